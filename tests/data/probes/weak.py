from lib import *
import random
r = random.Random(3)
m12 = luhn_fix("6759", 12, r)
C = []
for kw in ["card", "Kartennummer", "kaartnummer", "numéro de carte", "número de tarjeta", "numero carta", "número do cartão", "numer karty",
           "Kreditkartennummer", "Maestro-Karte", "kortnummer", "debit card no.", "Bankkarte", "EC-Karte", "Girokarte", "carte bancaire",
           "tarjeta de débito"]:
    C.append((f"weak12-{kw}", f"{kw}: {m12}", [("CREDIT_CARD", m12)], []))
for kw in ["SSN", "my social is", "social #", "Social Security", "soc. sec. no.", "SSN/TIN", "Sozialversicherungsnummer", "TIN",
           "taxpayer id number", "social security no"]:
    C.append((f"ssnbare-{kw}", f"{kw} 536904399", [("US_SSN", "536904399")], []))
for t in ["Capital social: 312456789 EUR", "razón social ACME, tel 612345678", "Raison sociale ACME, SIREN 732829320",
          "social media budget 536904399"]:
    C.append(("neg-" + t, t, [], ["US_SSN"]))
run(C, "weak.log")

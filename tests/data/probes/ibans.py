import random, sys
from lib import *
rng = random.Random(1808)
NB = "\u00a0"
C = []
def add(cid, text, must=(), mustnot="*"):
    C.append((cid, text, list(must), mustnot))
def digits(n): return "".join(rng.choice("0123456789") for _ in range(n))
def alnum(n): return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(n))
B = {
 "DE": lambda: digits(18), "FR": lambda: digits(10) + alnum(2) + digits(9) + digits(2), "ES": lambda: digits(20),
 "IT": lambda: alnum(1) + digits(10) + digits(12), "NL": lambda: alnum(4) + digits(10), "BE": lambda: digits(12),
 "CH": lambda: digits(5) + digits(12), "AT": lambda: digits(16), "PL": lambda: digits(24), "PT": lambda: digits(21),
 "IE": lambda: alnum(4) + digits(14), "SE": lambda: digits(20), "NO": lambda: digits(11), "DK": lambda: digits(14),
 "FI": lambda: digits(14), "SA": lambda: digits(2) + digits(18), "AE": lambda: digits(19), "TR": lambda: digits(5) + "0" + digits(16),
 "BR": lambda: digits(23) + "P1", "GB": lambda: alnum(4) + digits(14), "LU": lambda: digits(3) + digits(13),
 "GR": lambda: digits(23), "CZ": lambda: digits(20), "HU": lambda: digits(24), "RO": lambda: alnum(4) + digits(16),
 "MT": lambda: alnum(4) + digits(5) + digits(18), "CY": lambda: digits(24), "IL": lambda: digits(19), "QA": lambda: alnum(4) + digits(21),
 "KW": lambda: alnum(4) + digits(22), "LT": lambda: digits(16), "HR": lambda: digits(17), "SI": lambda: digits(15), "UA": lambda: digits(25),
}
W = {"DE": "Bitte überweisen Sie auf IBAN", "FR": "Merci de virer sur l'IBAN", "ES": "Transferencia a la cuenta IBAN", "IT": "Bonifico su IBAN",
     "NL": "Graag overmaken naar rekening", "BE": "Rekeningnummer", "PT": "NIB/IBAN:", "PL": "Numer rachunku:", "SE": "Kontonummer (IBAN)", "BR": "Conta:"}
for cc, f in B.items():
    ib = iban(cc, f())
    w = W.get(cc, "IBAN:")
    add(f"{cc}-compact", f"{w} {ib} danke", [("IBAN", ib)])
    g = group(ib)
    add(f"{cc}-print", f"{w} {g}.", [("IBAN", g)])
    add(f"{cc}-lower", f"iban {g.lower()} thanks", [("IBAN", g.lower())])
    mixed = g[0] + g[1].lower() + g[2:]
    add(f"{cc}-mixedcc", f"Iban: {mixed}", [("IBAN", mixed)])
    add(f"{cc}-titlebban", f"IBAN {g[:2].lower()}{g[2:].title()}", [("IBAN", f"{g[:2].lower()}{g[2:].title()}")])
    add(f"{cc}-order-neg", f"Order 1234, invoice 5678: pay to {g}", [("IBAN", g)])
    add(f"{cc}-nbsp", f"IBAN {group(ib, 4, NB)}", [("IBAN", group(ib, 4, NB))])
    add(f"{cc}-dash", f"IBAN {group(ib, 4, '-')}", [("IBAN", group(ib, 4, '-'))])
    bad = ib[:2] + ("%02d" % ((int(ib[2:4]) + 1) % 100)) + ib[4:]
    add(f"{cc}-badcheck", f"IBAN {group(bad)}", [], ["IBAN"])
gb = iban("GB", "WEST12345698765432")
add("brief-gb", "My IBAN is gb82 west 1234 5698 7654 32 thanks", [("IBAN", "gb82 west 1234 5698 7654 32")])
add("brief-gb2", "My IBAN is GB82 west 1234 5698 7654 32 thanks", [("IBAN", "GB82 west 1234 5698 7654 32")])
add("brief-gb3", "My IBAN is Gb82 West 1234 5698 7654 32 thanks", [("IBAN", "Gb82 West 1234 5698 7654 32")])
add("gb-compact-mixed", "iban: GB82west12345698765432", [("IBAN", "GB82west12345698765432")])
de = iban("DE", "370400440532013000")
add("xml-sepa", f"<IBAN>{de}</IBAN><BIC>COBADEFFXXX</BIC>", [("IBAN", de)])
add("json", f'{{"iban":"{de}","bic":"COBADEFFXXX"}}', [("IBAN", de)])
add("csv", f"Müller GmbH;{de};COBADEFFXXX;1.250,00", [("IBAN", de)])
add("glue-iban", f"IBAN:{de}", [("IBAN", de)])
add("glue-iban2", f"IBAN{de}", [("IBAN", de)])
add("glue-iban3", f"iban{de.lower()}", [("IBAN", de.lower())])
add("quoted-split", f"> IBAN {group(de)[:14]}\n> {group(de)[15:]}", [("IBAN", group(de)[:14])])
add("quoted-split2", f">> Bankverbindung: IBAN {group(de)[:19]}\n>> {group(de)[20:]} BIC COBADEFFXXX", [("IBAN", group(de)[:19])])
add("nbsp-glue", f"IBAN\u00a0{group(de)}", [("IBAN", group(de))])
add("tab", f"Konto\t{group(de, 4, chr(9))}", [("IBAN", group(de, 4, chr(9)))])
add("paren", f"({de})", [("IBAN", de)])
add("sig", f"Muster GmbH · Musterstr. 1 · 10115 Berlin\nIBAN {group(de)} · BIC COBADEFFXXX · USt-IdNr. DE123456789", [("IBAN", group(de))], ["IBAN"])
add("fp-bic", "BIC COBADEFFXXX, DEUTDEFF500", [], "*")
add("fp-vat", "USt-IdNr. DE123456789, VAT GB123456789, TVA FR40303265045", [], "*")
add("fp-sortcode", "Sort code 40-47-84, account 70872490", [], ["IBAN", "CREDIT_CARD", "US_SSN"])
add("fp-sortcode2", "sort code: 404784 acc no: 70872490", [], ["IBAN", "CREDIT_CARD", "US_SSN"])
add("fp-bankleitzahl", "BLZ 370 400 44, Konto 532 013 000", [], ["IBAN", "CREDIT_CARD"])
add("fp-swift-msg", ":20:REF123456\n:32A:261207EUR1250,00", [], "*")
add("fp-model-number", "Model DE89 3704 engine rev. 2", [], ["IBAN"])
add("fp-words", "Ok so DE is fine and FR too", [], "*")
run(C, "ibans.log")

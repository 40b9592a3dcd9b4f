import random, sys
from lib import *
C = []
def add(cid, text, must=(), mustnot="*"):
    C.append((cid, text, list(must), mustnot))
ssn = "536-90-4399"; ssn2 = "219-09-9999"
for i, (t, s) in enumerate([
    ("SSN: {}", ssn), ("SSN {}", "536 90 4399"), ("SSN#{}", "536904399"), ("Social Security Number {}", "536904399"),
    ("ssn:{}", ssn), ("SS# {}", ssn), ("S.S.N. {}", ssn), ("Sozialversicherungsnummer (USA): {}", ssn),
    ("número de seguro social {}", ssn), ("numéro de sécurité sociale américain {}", ssn),
    ("My social is {}", ssn), ("social security no. {}", "536.90.4399"), ("SSN {}", "536-90-4399."),
    ("Employee SSN\t{}", ssn), ("| SSN | {} |", ssn), ('"ssn":"{}"', ssn), ("<SSN>{}</SSN>", "536904399"),
    ("ssn={}", "536904399"), ("Order 1234: SSN {}", ssn), ("Ref 55, ticket 7 — SSN {}", ssn),
    ("TIN/SSN: {}", ssn), ("ITIN {}", "912-70-1234"), ("ssn {}", "536–90–4399"), ("SSN {}", "536 - 90 - 4399"),
    ("> > SSN: {}", ssn), ("SSN (last four 4399): {}", ssn), ("W-2 box a: {}", ssn),
    ("Social Security #: {}", ssn), ("SSN {}", "536_90_4399"),
]):
    text = t.format(s)
    sub = s.rstrip(".")
    add(f"ssn-{i}", text, [("US_SSN", sub)], ["US_SSN", "PHONE", "CREDIT_CARD"])
# negatives
for i, t in enumerate(["Phone 555-12-3456 ext 2", "Part no 536-90-4399-B", "Date 2026-12-07", "Invoice 536-90-4399", "SSN ***-**-4399",
                       "SSN XXX-XX-4399", "ZIP 94105-1234", "ISBN 0-306-40615-2", "case 000-12-3456", "ticket 666-12-3456", "id 900-12-3456",
                       "route 123-45-6789 example", "Tel. 030-12-34567", "Kontonr 536 904 399", "Routing 021000021"]):
    add(f"ssn-neg-{i}", t, [], ["US_SSN"])
nino = "JG103759A"
for i, (t, s) in enumerate([
    ("NI number: {}", "JG103759A"), ("NINO {}", "JG 10 37 59 A"), ("National Insurance No. {}", "jg103759a"),
    ("NI No: {}", "JG 103759 A"), ("NI: {}", "JG-10-37-59-A"), ("Nat Ins {}", "Jg103759a"), ("ni number {}", "jg 10 37 59 a"),
    ("NINO:{}", "JG103759A"), ("<NINO>{}</NINO>", "JG103759A"), ('"nino": "{}"', "JG103759A"), ("NI {}", "JG 10 37 59 A."),
    ("Order 55: NI number {}", "JG103759A"), ("> > NINO {}", "JG 10 37 59 A"), ("NI {}", "JG 10 37 59A"), ("NI {}", "JG10 37 59 A"),
    ("NI {}", "JG1037 59A"), ("NI number {}", "JG 10 37 59 A"), ("NI\t{}", "JG103759A"), ("NI number {}", "JG.10.37.59.A"),
]):
    sub = s.rstrip(".")
    add(f"nino-{i}", t.format(s), [("UK_NINO", sub)], ["UK_NINO"])
for i, t in enumerate(["Flight BA123456C departs", "ref QQ123456C", "Ref AB123456 is open", "Part GB123456A", "code TN123456A"]):
    add(f"nino-neg-{i}", t, [], ["UK_NINO"])
run(C, "ids.log")

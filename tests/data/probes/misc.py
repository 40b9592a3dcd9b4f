from lib import *
V = "4546762582117055"; G = "4546 7625 8211 7055"
IB = "DE89370400440532013000"; IG = "DE89 3704 0044 0532 0130 00"
C = []
def add(cid, text, must=(), mustnot="*"):
    C.append((cid, text, list(must), mustnot))
for name, w in [("backtick", "`%s`"), ("bold", "**%s**"), ("ital", "_%s_"), ("curly", "“%s”"), ("guil", "«%s»"), ("guil-sp", "« %s »"),
                ("fwparen", "（%s）"), ("period", "%s."), ("hash", "#%s"), ("urlpath", "https://x.example/cards/%s/charge"),
                ("semicolon", "card;%s;12/27"), ("pipe-cell", "|%s|"), ("eq", "card=%s"), ("apos", "'%s'"), ("star", "*%s*"),
                ("tilde", "~%s~"), ("bracket-cjk", "【%s】"), ("colon-jp", "カード番号：%s"), ("zh", "卡号%s"), ("ar", "رقم البطاقة %s"),
                ("ru", "Номер карты: %s"), ("el", "Αριθμός κάρτας: %s"), ("tr", "Kart numarası: %s"), ("sv", "Kortnummer: %s")]:
    add(f"card-{name}-c", w % V, [("CREDIT_CARD", V)], [])
    add(f"card-{name}-g", w % G, [("CREDIT_CARD", G)], [])
    add(f"iban-{name}-c", w % IB, [("IBAN", IB)], [])
    add(f"iban-{name}-g", w % IG, [("IBAN", IG)], [])
# quoted wraps
add("q-iban-3", f">>> IBAN DE89 3704 0044\n>>> 0532 0130 00", [("IBAN", "DE89 3704 0044\n>>> 0532 0130 00")])
add("q-card-3", f">>> card 4546 7625\n>>> 8211 7055", [("CREDIT_CARD", "4546 7625\n>>> 8211 7055")])
add("q-card-mixed", f"> > card 4546 7625\n>> 8211 7055", [("CREDIT_CARD", "4546 7625\n>> 8211 7055")])
add("q-iban-crlf", f"> IBAN DE89 3704 0044 0532\r\n> 0130 00 BIC", [("IBAN", "DE89 3704 0044 0532\r\n> 0130 00")])
add("wrap-iban-mid", f"IBAN DE89 3704 0044 05\n32 0130 00", [("IBAN", "DE89 3704 0044 05\n32 0130 00")])
add("ssn-wrapped", "SSN 536-90-\n4399", [("US_SSN", "536-90-\n4399")])
add("ssn-quoted", "> SSN: 536-90-4399\n> thanks", [("US_SSN", "536-90-4399")])
add("nino-wrapped", "NI number JG 10 37\n59 A", [("UK_NINO", "JG 10 37\n59 A")])
run(C, "misc.log")

from lib import *
V = "4546762582117055"
C = []
def grp(sep): return sep.join(V[i:i+4] for i in range(0, 16, 4))
for name, ch in [("lrm", "\u200e"), ("rlm", "\u200f"), ("zwsp", "\u200b"), ("wj", "\u2060"), ("bom", "\ufeff"), ("shy", "\u00ad"),
                 ("zwnj", "\u200c"), ("zwj", "\u200d"), ("alm", "\u061c")]:
    t = grp(" " + ch)
    C.append((f"card-sp+{name}", f"card {t} ok", [("CREDIT_CARD", t)], []))
    t = grp(ch)
    C.append((f"card-{name}", f"card {t} ok", [("CREDIT_CARD", t)], []))
    t = ch.join(V)
    C.append((f"card-every-{name}", f"card {t} ok", [("CREDIT_CARD", t)], []))
    ib = "GB82 WEST 1234 5698 7654 32".replace(" ", " " + ch)
    C.append((f"iban-{name}", f"IBAN {ib}", [("IBAN", ib)], []))
for name, ch in [("enspace", "\u2002"), ("emspace", "\u2003"), ("figure", "\u2007"), ("ideo", "\u3000"), ("punct", "\u2008"),
                 ("hair", "\u200a"), ("mmsp", "\u205f"), ("sixper", "\u2006")]:
    t = grp(ch)
    C.append((f"card-{name}", f"card {t} ok", [("CREDIT_CARD", t)], []))
    ib = "GB82 WEST 1234 5698 7654 32".replace(" ", ch)
    C.append((f"iban-{name}", f"IBAN {ib}", [("IBAN", ib)], []))
    s = "536-90-4399".replace("-", ch)
    C.append((f"ssn-{name}", f"SSN {s}", [("US_SSN", s)], []))
C.append(("rtl-he", "מספר כרטיס: \u200f4546 7625 8211 7055\u200f", [("CREDIT_CARD", "4546 7625 8211 7055")], []))
C.append(("rtl-ar", "رقم البطاقة: \u200e4546-7625-8211-7055\u200e", [("CREDIT_CARD", "4546-7625-8211-7055")], []))
C.append(("rtl-ar-iban", "رقم الآيبان: SA03 8000 0000 6080 1016 7519", [("IBAN", "SA03 8000 0000 6080 1016 7519")], []))
C.append(("ar-digits", "رقم البطاقة ٤٥٤٦ ٧٦٢٥ ٨٢١١ ٧٠٥٥", [("CREDIT_CARD", "٤٥٤٦ ٧٦٢٥ ٨٢١١ ٧٠٥٥")], []))
C.append(("fa-digits", "شماره کارت ۴۵۴۶ ۷۶۲۵ ۸۲۱۱ ۷۰۵۵", [("CREDIT_CARD", "۴۵۴۶ ۷۶۲۵ ۸۲۱۱ ۷۰۵۵")], []))
C.append(("dev-digits", "कार्ड ४५४६ ७६२५ ८२११ ७०५५", [("CREDIT_CARD", "४५४६ ७६२५ ८२११ ७०५५")], []))
run(C, "invis.log")

from lib import *
V = "4546762582117055"
C = []
for p in ["card", "Card", "CARD", "cc", "CC", "ccn", "CCN", "cardno", "CardNo", "Karte", "carte", "tarjeta", "nr", "Nr.", "No.",
          "no", "Nº", "n°", "#", "x", "kk", "KK", "PAN", "AMEX", "amex", "Maestro", "JCB", "Diners", "Mastercard", "mastercard",
          "Visa", "CB", "EC", "Kreditkarte", "karta", "cartão", "cartao", "carta", "kaart", "DISCOVER"]:
    C.append((f"pre-{p}", f"{p}{V}", [("CREDIT_CARD", V)], []))
for s in ["exp1227", "EXP12/27", "cvv123", "CVV", "x", "EUR", "USD", "exp", "/1227", "-12/27", ",12/27"]:
    C.append((f"post-{s}", f"{V}{s}", [("CREDIT_CARD", V)], []))
for t in ["commit ab4546762582117055cd", "sha 4546762582117055abcdef", "INV-4546762582117055",
          "id=deadbeef4546762582117055", "v2.4546762582117055", "x4546762582117055y9", "ABC12345678901234567890"]:
    C.append(("neg-" + t, t, [], ["CREDIT_CARD"]))
run(C, "glue.log")

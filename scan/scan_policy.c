/* SPDX-License-Identifier: Apache-2.0 */
/* Policy parsing and validation from JSON (jansson), the built-in default
 * policy, and release. Runs at start-up or on the control side, never on a
 * worker's hot path. Every refusal names the field. */
#include "scan_policy.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "scan_case.h"

static const char default_policy[] =
    "{\n"
    "  \"version\": \"builtin-default-9\",\n"
    "  \"mask\": {\"char\": \"*\", \"keep_last\": 0},\n"
    "  \"context_window\": 64,\n"
    "  \"detectors\": {\n"
    "    \"CREDIT_CARD\": {\"action\": \"redact\", \"keep_last\": 4,\n"
    "      \"keywords\": [\"card\", \"credit\", \"debit\", \"visa\", \"mastercard\", \"amex\",\n"
    "                     \"maestro\", \"discover\", \"jcb\", \"diners\", \"cc\", \"pan\",\n"
    "                     \"expiry\", \"cvv\", \"cvc\", \"creditcard\", \"karte\", "
    "\"kreditkart*\",\n"
    "                     \"kartennummer\", \"carte\", \"tarjeta\", \"carta\", \"kaart*\", "
    "\"cartão\",\n"
    "                     \"cartao\", \"karta\", \"kartę\", \"kartą\", \"karty\", \"kort\",\n"
    "                     \"kortet\", \"kortnummer\", \"bankkarte\", \"girokarte\", "
    "\"ec-karte\",\n"
    "                     \"debitkarte\", \"kartennr\"]},\n"
    "    \"US_SSN\": {\"action\": \"redact\",\n"
    "      \"keywords\": [\"ssn\", \"social security\", \"ss#\", \"taxpayer\", \"taxpayer id\",\n"
    "                   \"tin\", \"itin\", \"soc sec\", \"s.s.n\", \"seguro social\",\n"
    "                   \"seguridad social\", \"sécurité sociale\", \"sozialversicherung*\",\n"
    "                   \"previdenza sociale\", \"segurança social\", \"my social\",\n"
    "                   \"social #\", \"social#\", \"social no\", \"social number\",\n"
    "                   \"soc. sec\"]},\n"
    "    \"UK_NINO\": {\"action\": \"redact\",\n"
    "      \"keywords\": [\"national insurance\", \"nino\", \"ni number\", \"ni no\", \"nin\"]},\n"
    "    \"IBAN\": {\"action\": \"redact\",\n"
    "      \"keywords\": [\"iban\", \"account\", \"bank\", \"transfer\", \"swift\", \"bic\", "
    "\"wire\",\n"
    "                     \"konto*\", \"bankverbindung\", \"compte\", \"rib\", \"cuenta\", "
    "\"conto\",\n"
    "                     \"rekening*\", \"conta\", \"rachun*\"]},\n"
    "    \"EMAIL\": {\"action\": \"redact\"},\n"
    "    \"PHONE\": {\"action\": \"redact\",\n"
    "      \"keywords\": [\"phone\", \"tel\", \"telephone\", \"mobile\", \"mob\", \"cell\", "
    "\"call\",\n"
    "                     \"fax\", \"whatsapp\", \"sms\", \"hotline\", \"helpline\", "
    "\"telefon*\",\n"
    "                     \"rufnummer\", \"handy*\", \"mobil*\", \"mobiel\", \"anrufen\", "
    "\"rufen\",\n"
    "                     \"tél\", \"téléphone\", \"portable\", \"appeler\", \"appelez\", "
    "\"teléfono\",\n"
    "                     \"telefono\", \"móvil\", \"movil\", \"llam*\", \"cellulare\", "
    "\"chiama*\",\n"
    "                     \"bel\", \"bellen\", \"telefoon*\", \"telemóvel\", \"celular\", "
    "\"ligue\",\n"
    "                     \"ligar\", \"linha de apoio\", \"komórk*\", \"zadzwo*\", \"dzwoni*\",\n"
    "                     \"ring\", \"ringe\", \"ringer\", \"tlf\", \"kundeservice\", "
    "\"kundtjänst\",\n"
    "                     \"kundservice\", \"puh\", \"puhelin\", \"asiakaspalvelu\",\n"
    "                     \"reach\", \"erreich*\", \"contact*\", \"kontakt*\", \"joindre\",\n"
    "                     \"joignable\", \"contatt*\", \"bereik*\", \"richiam*\", \"infolinia\",\n"
    "                     \"atención al cliente\", \"servicio al cliente\", \"service client\",\n"
    "                     \"rappel*\", \"centralino\", \"fon\", \"rückruf\", \"mov\", \"telm\",\n"
    "                     \"kom\", \"faks\", \"standard\", \"switchboard\",\n"
    "                     \"når mig\", \"når meg\", \"nå mig\", \"nå meg\", \"nås på\",\n"
    "                     \"fange mig\", \"fat i mig\", \"træffes\", \"treffes\", "
    "\"träffas\",\n"
    "                     \"localizable\", \"тел\", \"телефон*\", \"моб\", \"мобильн*\",\n"
    "                     \"сотов*\", \"звон*\", \"факс\", \"на связи\", \"τηλ\", \"τηλέφων*\",\n"
    "                     \"κιν\", \"κινητ*\", \"διαθέσιμος στο\", \"διαθέσιμη στο\", \"καλέστε\", "
    "\"φαξ\", \"电话\", \"手机\", "
    "\"致电\",\n"
    "                     \"传真\", \"联系\", \"電話\", \"手機\", \"携帯\", \"連絡先\", \"전화\", "
    "\"휴대폰\",\n"
    "                     \"연락처\"]}\n"
    "  },\n"
    "  \"negative_context\": [\"order\", \"invoice\", \"tracking\", \"ref\", \"reference\",\n"
    "                        \"serial\", \"isbn\", \"ean\", \"gtin\", \"upc\", \"sku\", \"imei\",\n"
    "                        \"ticket\", \"case\", \"incident\", \"po\", \"rma\", \"contract\",\n"
    "                        \"policy number\", \"customer number\", \"account number\",\n"
    "                        \"routing\", \"aba\", \"sort code\", \"meeting id\", \"nhs\", "
    "\"vat\",\n"
    "                        \"tax id\", \"bestell*\", \"auftrag*\", \"rechnung*\", "
    "\"kundennummer\",\n"
    "                        \"kundennr\", \"vertragsnummer\", \"seriennummer\", \"referenz*\",\n"
    "                        \"zeichen\", \"aktenzeichen\", \"sendungsnummer\", \"vorgang*\",\n"
    "                        \"artikel*\", \"steuernummer\", \"commande\", \"facture\", "
    "\"référence\",\n"
    "                        \"dossier\", \"suivi\", \"numéro client\", \"contrat\", \"pedido\",\n"
    "                        \"factura\", \"referencia\", \"incidencia\", \"seguimiento\",\n"
    "                        \"número de cliente\", \"contrato\", \"ordine\", \"fattura\",\n"
    "                        \"riferimento\", \"pratica\", \"codice cliente\", \"partita iva\",\n"
    "                        \"bestelling\", \"factuur\", \"referentie\", \"klantnummer\",\n"
    "                        \"polisnummer\", \"kvk\", \"encomenda\", \"fatura\", \"referência\",\n"
    "                        \"chamado\", \"rastreio\", \"zamówienie\", \"faktura\", "
    "\"zgłoszenie\",\n"
    "                        \"przesyłki\", \"nip\", \"regon\", \"ordernummer\", \"kundnummer\",\n"
    "                        \"fakturanummer\", \"organisationsnummer\", \"cvr\", \"bce\", "
    "\"kbo\",\n"
    "                        \"siren\", \"siret\", \"y-tunnus\", \"tilausnumero\", \"id\",\n"
    "                        \"meeting-id\", \"mötes-id\", \"møde-id\", \"kenncode\",\n"
    "                        \"id riunione\", \"id da reunião\", \"id de reunión\",\n"
    "                        \"identyfikator spotkania\", \"cliente\", \"klienta\", \"kundenr\",\n"
    "                        \"saksnr\", \"ordre\", \"beställning*\", \"avtal*\", \"kontrakt\",\n"
    "                        \"försäkringsnummer\", \"bankgiro\", \"serienummer\", \"série\",\n"
    "                        \"sarjanumero*\", \"viite*\", \"viitteen*\", \"policy\", \"item\",\n"
    "                        \"employee\", \"personalnummer\", \"matricule\", \"zip\",\n"
    "                        \"zip code\", \"postcode\", \"postal code\", \"plz\",\n"
    "                        \"code postal\", \"kontonummer\", \"konto\", \"bankkonto\",\n"
    "                        \"reg.nr\", \"rekeningnummer\", \"numer rachunku\", \"blz\",\n"
    "                        \"sprawa\", \"sprawy\", \"asiakasnumero\", \"client\", \"rcs\",\n"
    "                        \"id de réunion\", \"réunion\", \"pesel\", \"kundennr\",\n"
    "                        \"waybill\", \"awb\", \"lta\", \"frachtbrief\", \"накладн*\", "
    "\"运单\",\n"
    "                        \"claim\", \"sinistre\", \"siniestro\", \"schaden*\", \"mrn\",\n"
    "                        \"病历号\", \"受付番号\", \"工单\", \"订单\", \"注文番号\", "
    "\"снилс\", \"инн\",\n"
    "                        \"αφμ\", \"vertrag\", \"docket\", \"p/n\", \"part number\",\n"
    "                        \"part no\", \"fedex\", \"ups\", \"dhl\", \"usps\", \"dpd\", "
    "\"gls\",\n"
    "                        \"tnt\", \"colissimo\", \"chronopost\", \"postnl\", \"bpost\"],\n"
    "  \"lexicons\": [],\n"
    "  \"on_modification_failure\": \"tempfail\",\n"
    "  \"on_parse_error\": \"deliver_tagged\",\n"
    "  \"limits\": {\"max_message_bytes\": 52428800, \"max_header_bytes\": 32768,\n"
    "             \"max_depth\": 16, \"max_parts\": 1000, \"max_findings\": 10000,\n"
    "             \"max_archive_depth\": 4, \"max_archive_entries\": 10000,\n"
    "             \"max_archive_bytes\": 268435456, \"max_compression_ratio\": 100,\n"
    "             \"max_pdf_pages\": 2000, \"max_pdf_objects\": 500000,\n"
    "             \"max_pdf_memory\": 268435456, \"max_pdf_millis\": 10000},\n"
    "  \"documents\": {\"enabled\": true, \"redact\": true, \"remove_macros\": true,\n"
    "                \"remove_activex\": true, \"remove_embedded\": false,\n"
    "                \"remove_external\": true, \"remove_hyperlinks\": false,\n"
    "                \"remove_comments\": true, \"accept_changes\": true,\n"
    "                \"remove_hidden\": false, \"remove_metadata\": true,\n"
    "                \"on_unreadable\": \"quarantine\",\n"
    "                \"hold_unredactable\": [\"CREDIT_CARD\", \"US_SSN\", \"UK_NINO\", \"IBAN\",\n"
    "                                      \"LEXICON\"]},\n"
    "  \"html\": {\"scripts\": \"remove\", \"event_handlers\": \"remove\",\n"
    "           \"dangerous_urls\": \"remove\", \"iframes\": \"remove\", \"objects\": \"remove\",\n"
    "           \"embeds\": \"remove\", \"forms\": \"remove\"},\n"
    "  \"pdf\": {\"enabled\": true, \"javascript\": \"remove\", \"launch\": \"remove\",\n"
    "          \"embedded_files\": \"remove\", \"xfa\": \"remove\", \"metadata\": \"remove\"}\n"
    "}\n";

const char *
scan_policy_default_json(void)
{
    return default_policy;
}

const char *
scan_action_name(enum scan_action a)
{
    static const char *const names[] = {"allow", "redact", "tag", "quarantine", "block"};
    return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "allow";
}

static int
parse_action(enum scan_action *out, struct rl_diag *d, const char *field, json_t *v)
{
    const char *s = json_string_value(v);
    for (unsigned a = SCAN_ACT_ALLOW; s != NULL && a <= SCAN_ACT_BLOCK; a++) {
        if (strcmp(s, scan_action_name((enum scan_action)a)) == 0) {
            *out = (enum scan_action)a;
            return 0;
        }
    }
    return rl_diag_set(d, field, "must be one of allow, redact, tag, quarantine, block");
}

static int
parse_fallback(enum scan_fallback *out, struct rl_diag *d, const char *field, json_t *v)
{
    static const char *const names[] = {"deliver_tagged", "tempfail", "quarantine", "block"};
    const char *s = json_string_value(v);
    for (unsigned i = 0; s != NULL && i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (enum scan_fallback)i;
            return 0;
        }
    }
    return rl_diag_set(d, field, "must be one of deliver_tagged, tempfail, quarantine, block");
}

static int
parse_uint(unsigned long long *out, struct rl_diag *d, const char *field, json_t *v,
           unsigned long long lo, unsigned long long hi)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (unsigned long long)json_integer_value(v) < lo ||
        (unsigned long long)json_integer_value(v) > hi) {
        return rl_diag_set(d, field, "must be an integer from %llu to %llu", lo, hi);
    }
    *out = (unsigned long long)json_integer_value(v);
    return 0;
}

/* Refuses keys other than `allowed` so that a typo never silently does nothing. */
static int
check_keys(struct rl_diag *d, const char *where, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;
    if (!json_is_object(obj)) {
        return rl_diag_set(d, where, "must be an object");
    }
    json_object_foreach(obj, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a != NULL && !ok; a++) {
            ok = strcmp(*a, key) == 0;
        }
        if (!ok) {
            char field[64];
            snprintf(field, sizeof(field), "%s%s%s", where, where[0] ? "." : "", key);
            return rl_diag_set(d, field, "unknown setting");
        }
    }
    return 0;
}

/* `char_key` is the name the mask character has where it was read. */
static int
parse_mask(struct scan_mask *m, struct rl_diag *d, const char *where, const char *char_key,
           json_t *ch, json_t *keep)
{
    char field[96];
    if (ch != NULL) {
        const char *s = json_string_value(ch);
        if (s == NULL || strlen(s) != 1 || s[0] < 33 || s[0] > 126) {
            snprintf(field, sizeof(field), "%s.%s", where, char_key);
            return rl_diag_set(d, field, "must be one printable ASCII character");
        }
        m->ch = s[0];
    }
    if (keep != NULL) {
        unsigned long long n = 0;
        snprintf(field, sizeof(field), "%s.keep_last", where);
        if (parse_uint(&n, d, field, keep, 0, 32) != 0) {
            return RL_EINVAL;
        }
        m->keep_last = (uint8_t)n;
    }
    return 0;
}

static void
free_list(char **l)
{
    for (char **s = l; s != NULL && *s != NULL; s++) {
        free(*s);
    }
    free(l);
}

static int
parse_words(char ***out, struct rl_diag *d, const char *field, json_t *arr)
{
    if (!json_is_array(arr)) {
        return rl_diag_set(d, field, "must be an array of strings");
    }
    size_t n = json_array_size(arr);
    /* up to three case forms of each word (scan_case.h) */
    char **l = calloc(3 * n + 1, sizeof(*l));
    if (l == NULL) {
        return RL_ENOMEM;
    }
    size_t nl = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (s == NULL || s[0] == '\0' || strlen(s) > 64) {
            free_list(l);
            return rl_diag_set(d, field, "item %zu must be a string of 1 to 64 bytes", i);
        }
        const char *star = strchr(s, '*');
        if (star != NULL && (star[1] != '\0' || star == s)) {
            free_list(l);
            return rl_diag_set(d, field,
                               "item %zu: '*' may only end a word (a prefix: \"telefon*\")", i);
        }
        size_t nf = 0;
        int rc = scan_case_forms(l + nl, &nf, s);
        nl += nf;
        if (rc == RL_EINVAL) {
            free_list(l);
            return rl_diag_set(d, field, "item %zu is not valid UTF-8", i);
        }
        if (rc != 0) {
            free_list(l);
            return rc;
        }
    }
    free_list(*out);
    *out = l;
    return 0;
}

static const char *const level_names[SCAN_LEVEL__COUNT] = {"low", "medium", "high"};
static const unsigned level_floor[SCAN_LEVEL__COUNT] = {0, SCAN_CONF_MEDIUM, SCAN_CONF_HIGH};

enum scan_level
scan_level_of(unsigned confidence)
{
    return confidence >= SCAN_CONF_HIGH     ? SCAN_LEVEL_HIGH
           : confidence >= SCAN_CONF_MEDIUM ? SCAN_LEVEL_MEDIUM
                                            : SCAN_LEVEL_LOW;
}

const char *
scan_level_name(enum scan_level l)
{
    return (unsigned)l < SCAN_LEVEL__COUNT ? level_names[l] : "unknown";
}

static int
level_from_name(const char *s)
{
    for (int l = 0; l < SCAN_LEVEL__COUNT; l++) {
        if (strcmp(s, level_names[l]) == 0) {
            return l;
        }
    }
    return -1;
}

/* "actions": {"high": "quarantine", "medium": "redact"}: the action for the
 * findings of each level named; the others keep "action". */
static int
parse_level_actions(struct scan_detector_policy *dp, struct rl_diag *d, const char *where,
                    json_t *v)
{
    char field[128];
    snprintf(field, sizeof(field), "%s.actions", where);
    if (!json_is_object(v)) {
        return rl_diag_set(d, field, "must be an object of level: action");
    }
    const char *key;
    json_t *a;
    json_object_foreach(v, key, a)
    {
        int l = level_from_name(key);
        snprintf(field, sizeof(field), "%s.actions.%s", where, key);
        if (l < 0) {
            return rl_diag_set(d, field, "unknown level (low, medium, high)");
        }
        int rc = parse_action(&dp->by_level[l], d, field, a);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int
parse_detector(struct scan_policy *p, struct rl_diag *d, const char *name, json_t *o)
{
    static const char *const keys[] = {"enabled",   "action",         "actions",
                                       "threshold", "min_confidence", "keep_last",
                                       "mask_char", "keywords",       NULL};
    char where[64];
    char field[96];
    int t = scan_type_from_name(name);
    snprintf(where, sizeof(where), "detectors.%s", name);
    if (t < 0 || t == SCAN_T_LEXICON) {
        return rl_diag_set(d, where, "unknown detector");
    }
    struct scan_detector_policy *dp = &p->detectors[t];
    int rc = check_keys(d, where, o, keys);
    if (rc != 0) {
        return rc;
    }
    json_t *v = json_object_get(o, "enabled");
    if (v != NULL) {
        if (!json_is_boolean(v)) {
            snprintf(field, sizeof(field), "%s.enabled", where);
            return rl_diag_set(d, field, "must be true or false");
        }
        dp->enabled = json_is_true(v);
    }
    if ((v = json_object_get(o, "action")) != NULL) {
        snprintf(field, sizeof(field), "%s.action", where);
        if ((rc = parse_action(&dp->action, d, field, v)) != 0) {
            return rc;
        }
        for (unsigned l = 0; l < SCAN_LEVEL__COUNT; l++) {
            dp->by_level[l] = dp->action;
        }
    }
    if ((v = json_object_get(o, "actions")) != NULL &&
        (rc = parse_level_actions(dp, d, where, v)) != 0) {
        return rc;
    }
    unsigned long long n = 0;
    if ((v = json_object_get(o, "threshold")) != NULL) {
        snprintf(field, sizeof(field), "%s.threshold", where);
        if ((rc = parse_uint(&n, d, field, v, 1, 100000)) != 0) {
            return rc;
        }
        dp->threshold = (unsigned)n;
    }
    if ((v = json_object_get(o, "min_confidence")) != NULL) {
        snprintf(field, sizeof(field), "%s.min_confidence", where);
        int l = json_is_string(v) ? level_from_name(json_string_value(v)) : -1;
        if (l >= 0) {
            dp->min_confidence = (uint8_t)level_floor[l];
        } else if (json_is_string(v)) {
            return rl_diag_set(d, field, "must be \"low\", \"medium\", \"high\" or 0-100");
        } else if ((rc = parse_uint(&n, d, field, v, 0, 100)) != 0) {
            return rc;
        } else {
            dp->min_confidence = (uint8_t)n;
        }
    }
    if ((rc = parse_mask(&dp->mask, d, where, "mask_char", json_object_get(o, "mask_char"),
                         json_object_get(o, "keep_last"))) != 0) {
        return rc;
    }
    if ((v = json_object_get(o, "keywords")) != NULL) {
        snprintf(field, sizeof(field), "%s.keywords", where);
        return parse_words(&p->keywords[t], d, field, v);
    }
    return 0;
}

static int
add_entry(struct scan_policy *p, struct rl_diag *d, const char *field, json_t *e, uint16_t lex)
{
    static const char *const keys[] = {"word", "regex", "weight", NULL};
    int rc = check_keys(d, field, e, keys);
    if (rc != 0) {
        return rc;
    }
    json_t *word = json_object_get(e, "word");
    json_t *regex = json_object_get(e, "regex");
    const char *text = json_string_value(word != NULL ? word : regex);
    if ((word == NULL) == (regex == NULL) || text == NULL || text[0] == '\0' ||
        strlen(text) > 1024) {
        return rl_diag_set(d, field, "needs exactly one of \"word\" or \"regex\", 1 to 1024 bytes");
    }
    unsigned long long weight = 1;
    json_t *w = json_object_get(e, "weight");
    if (w != NULL) {
        char wf[128];
        snprintf(wf, sizeof(wf), "%s.weight", field);
        if ((rc = parse_uint(&weight, d, wf, w, 0, 1000000)) != 0) {
            return rc;
        }
    }
    struct scan_lex_entry *grown = realloc(p->entries, (p->n_entries + 1) * sizeof(*grown));
    if (grown == NULL) {
        return RL_ENOMEM;
    }
    p->entries = grown;
    struct scan_lex_entry *le = &p->entries[p->n_entries];
    le->kind = word != NULL ? SCAN_LEX_WORD : SCAN_LEX_REGEX;
    le->text = strdup(text);
    if (le->text == NULL) {
        return RL_ENOMEM;
    }
    le->text_len = strlen(text);
    le->weight = (unsigned)weight;
    le->lexicon = lex;
    p->n_entries++;
    return 0;
}

static int
parse_lexicons(struct scan_policy *p, struct rl_diag *d, json_t *arr)
{
    static const char *const keys[] = {"name",      "action",  "threshold", "keep_last",
                                       "mask_char", "entries", NULL};
    if (arr == NULL) {
        return 0;
    }
    if (!json_is_array(arr) || json_array_size(arr) > 1000) {
        return rl_diag_set(d, "lexicons", "must be an array of at most 1000 lexicons");
    }
    size_t n = json_array_size(arr);
    p->lexicons = calloc(n ? n : 1, sizeof(*p->lexicons));
    if (p->lexicons == NULL) {
        return RL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        char where[64];
        char field[96];
        json_t *o = json_array_get(arr, i);
        snprintf(where, sizeof(where), "lexicons[%zu]", i);
        int rc = check_keys(d, where, o, keys);
        if (rc != 0) {
            return rc;
        }
        struct scan_lexicon *lx = &p->lexicons[i];
        p->n_lexicons = i + 1;
        lx->action = SCAN_ACT_TAG;
        lx->threshold = 1;
        lx->mask = (struct scan_mask){.ch = '*', .keep_last = 0};
        const char *name = json_string_value(json_object_get(o, "name"));
        if (name == NULL || name[0] == '\0' || strlen(name) > 64) {
            snprintf(field, sizeof(field), "%s.name", where);
            return rl_diag_set(d, field, "must be a string of 1 to 64 bytes");
        }
        if ((lx->name = strdup(name)) == NULL) {
            return RL_ENOMEM;
        }
        json_t *v = json_object_get(o, "action");
        snprintf(field, sizeof(field), "%s.action", where);
        if (v != NULL && (rc = parse_action(&lx->action, d, field, v)) != 0) {
            return rc;
        }
        unsigned long long t = 0;
        if ((v = json_object_get(o, "threshold")) != NULL) {
            snprintf(field, sizeof(field), "%s.threshold", where);
            if ((rc = parse_uint(&t, d, field, v, 1, 100000000)) != 0) {
                return rc;
            }
            lx->threshold = (unsigned)t;
        }
        if ((rc = parse_mask(&lx->mask, d, where, "mask_char", json_object_get(o, "mask_char"),
                             json_object_get(o, "keep_last"))) != 0) {
            return rc;
        }
        json_t *entries = json_object_get(o, "entries");
        snprintf(field, sizeof(field), "%s.entries", where);
        if (!json_is_array(entries) || json_array_size(entries) == 0) {
            return rl_diag_set(d, field, "must be a non-empty array");
        }
        for (size_t j = 0; j < json_array_size(entries); j++) {
            snprintf(field, sizeof(field), "%s.entries[%zu]", where, j);
            if ((rc = add_entry(p, d, field, json_array_get(entries, j), (uint16_t)i)) != 0) {
                return rc;
            }
        }
    }
    return 0;
}

static int
parse_limits(struct scan_limits *l, struct rl_diag *d, json_t *o)
{
    static const struct {
        const char *key;
        unsigned long long lo, hi;
    } keys[] = {
        {"max_message_bytes", 1024, 1ull << 31},
        {"max_header_bytes", 1024, 1u << 20},
        {"max_depth", 1, 32},
        {"max_parts", 1, 100000},
        {"max_findings", 1, 1000000},
        {"max_archive_depth", 1, 16},
        {"max_archive_entries", 1, 1000000},
        {"max_archive_bytes", 4096, 1ull << 34},
        {"max_compression_ratio", 2, 1000000},
        {"max_pdf_pages", 1, 1000000},
        {"max_pdf_objects", 16, 100000000},
        {"max_pdf_memory", 16u << 20, 1ull << 34},
        {"max_pdf_millis", 10, 3600000},
    };
    enum { N_KEYS = sizeof(keys) / sizeof(keys[0]) };
    const char *names[N_KEYS + 1];
    for (size_t i = 0; i < N_KEYS; i++) {
        names[i] = keys[i].key;
    }
    names[N_KEYS] = NULL;
    int rc = check_keys(d, "limits", o, names);
    if (rc != 0) {
        return rc;
    }
    unsigned long long v[N_KEYS] = {
        l->max_message_bytes,   l->max_header_bytes,  l->max_depth,
        l->max_parts,           l->max_findings,      l->max_archive_depth,
        l->max_archive_entries, l->max_archive_bytes, l->max_compression_ratio,
        l->max_pdf_pages,       l->max_pdf_objects,   l->max_pdf_memory,
        l->max_pdf_millis,
    };
    for (size_t i = 0; i < N_KEYS; i++) {
        json_t *j = json_object_get(o, keys[i].key);
        char field[64];
        snprintf(field, sizeof(field), "limits.%s", keys[i].key);
        if (j != NULL && (rc = parse_uint(&v[i], d, field, j, keys[i].lo, keys[i].hi)) != 0) {
            return rc;
        }
    }
    l->max_message_bytes = (size_t)v[0];
    l->max_header_bytes = (size_t)v[1];
    l->max_depth = (unsigned)v[2];
    l->max_parts = (unsigned)v[3];
    l->max_findings = (unsigned)v[4];
    l->max_archive_depth = (unsigned)v[5];
    l->max_archive_entries = (unsigned)v[6];
    l->max_archive_bytes = v[7];
    l->max_compression_ratio = (unsigned)v[8];
    l->max_pdf_pages = (unsigned)v[9];
    l->max_pdf_objects = (unsigned)v[10];
    l->max_pdf_memory = v[11];
    l->max_pdf_millis = (unsigned)v[12];
    return 0;
}

static int
parse_documents(struct scan_doc_policy *dp, struct rl_diag *d, json_t *o)
{
    static const struct {
        const char *key;
        size_t off;
    } flags[] = {
        {"enabled", offsetof(struct scan_doc_policy, enabled)},
        {"redact", offsetof(struct scan_doc_policy, redact)},
        {"remove_macros", offsetof(struct scan_doc_policy, remove_macros)},
        {"remove_activex", offsetof(struct scan_doc_policy, remove_activex)},
        {"remove_embedded", offsetof(struct scan_doc_policy, remove_embedded)},
        {"remove_external", offsetof(struct scan_doc_policy, remove_external)},
        {"remove_hyperlinks", offsetof(struct scan_doc_policy, remove_hyperlinks)},
        {"remove_comments", offsetof(struct scan_doc_policy, remove_comments)},
        {"accept_changes", offsetof(struct scan_doc_policy, accept_changes)},
        {"remove_hidden", offsetof(struct scan_doc_policy, remove_hidden)},
        {"remove_metadata", offsetof(struct scan_doc_policy, remove_metadata)},
    };
    enum { N_FLAGS = sizeof(flags) / sizeof(flags[0]) };
    const char *names[N_FLAGS + 3];
    for (size_t i = 0; i < N_FLAGS; i++) {
        names[i] = flags[i].key;
    }
    names[N_FLAGS] = "on_unreadable";
    names[N_FLAGS + 1] = "hold_unredactable";
    names[N_FLAGS + 2] = NULL;
    int rc = check_keys(d, "documents", o, names);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < N_FLAGS; i++) {
        json_t *j = json_object_get(o, flags[i].key);
        if (j == NULL) {
            continue;
        }
        if (!json_is_boolean(j)) {
            char field[64];
            snprintf(field, sizeof(field), "documents.%s", flags[i].key);
            return rl_diag_set(d, field, "must be true or false");
        }
        *(bool *)((char *)dp + flags[i].off) = json_is_true(j);
    }
    json_t *h = json_object_get(o, "hold_unredactable");
    if (h != NULL) {
        if (!json_is_array(h)) {
            return rl_diag_set(d, "documents.hold_unredactable",
                               "must be an array of detector names");
        }
        dp->hold_unredactable = 0;
        size_t i;
        json_t *e;
        json_array_foreach(h, i, e)
        {
            int t = json_is_string(e) ? scan_type_from_name(json_string_value(e)) : -1;
            if (t < 0) {
                return rl_diag_set(d, "documents.hold_unredactable",
                                   "must list detector names (CREDIT_CARD, US_SSN, UK_NINO, IBAN, "
                                   "EMAIL, PHONE, LEXICON)");
            }
            dp->hold_unredactable |= SCAN_MASK((unsigned)t);
        }
    }
    json_t *v = json_object_get(o, "on_unreadable");
    if (v != NULL) {
        return parse_fallback(&dp->on_unreadable, d, "documents.on_unreadable", v);
    }
    return 0;
}

/* Sets *dst[i] from the "remove"/"keep" value of keys[i] (NULL-terminated)
 * in section `where` of the policy; absent keys keep their default. */
static int
parse_removals(bool *const *dst, struct rl_diag *d, const char *where, json_t *o,
               const char *const *keys)
{
    for (size_t i = 0; keys[i] != NULL; i++) {
        json_t *v = json_object_get(o, keys[i]);
        if (v == NULL) {
            continue;
        }
        const char *s = json_string_value(v);
        if (s == NULL || (strcmp(s, "remove") != 0 && strcmp(s, "keep") != 0)) {
            char field[64];
            snprintf(field, sizeof(field), "%s.%s", where, keys[i]);
            return rl_diag_set(d, field, "must be \"remove\" or \"keep\"");
        }
        *dst[i] = strcmp(s, "remove") == 0;
    }
    return 0;
}

static int
parse_html(struct scan_html_policy *h, struct rl_diag *d, json_t *o)
{
    static const char *const keys[] = {"scripts", "event_handlers", "dangerous_urls", "iframes",
                                       "objects", "embeds",         "forms",          NULL};
    bool *const dst[] = {&h->scripts, &h->handlers, &h->urls, &h->iframes,
                         &h->objects, &h->embeds,   &h->forms};
    int rc = check_keys(d, "html", o, keys);
    return rc != 0 ? rc : parse_removals(dst, d, "html", o, keys);
}

static int
parse_pdf(struct scan_pdf_policy *pp, struct rl_diag *d, json_t *o)
{
    static const char *const keys[] = {"javascript", "launch",   "embedded_files",
                                       "xfa",        "metadata", NULL};
    static const char *const all[] = {"enabled", "javascript", "launch", "embedded_files",
                                      "xfa",     "metadata",   NULL};
    bool *const dst[] = {&pp->javascript, &pp->launch, &pp->embedded_files, &pp->xfa,
                         &pp->metadata};
    int rc = check_keys(d, "pdf", o, all);
    if (rc != 0) {
        return rc;
    }
    json_t *en = json_object_get(o, "enabled");
    if (en != NULL) {
        if (!json_is_boolean(en)) {
            return rl_diag_set(d, "pdf.enabled", "must be true or false");
        }
        pp->enabled = json_is_true(en);
    }
    return parse_removals(dst, d, "pdf", o, keys);
}

static void
set_defaults(struct scan_policy *p)
{
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        p->detectors[t] = (struct scan_detector_policy){
            .enabled = t != SCAN_T_LEXICON,
            .action = SCAN_ACT_REDACT,
            .by_level = {SCAN_ACT_REDACT, SCAN_ACT_REDACT, SCAN_ACT_REDACT},
            .threshold = 1,
            .min_confidence = SCAN_CONF_MEDIUM,
            .mask = {.ch = '*', .keep_last = 0},
        };
    }
    p->context_window = 64;
    p->on_modify_fail = SCAN_FB_TEMPFAIL;
    p->on_parse_error = SCAN_FB_DELIVER_TAGGED;
    p->limits = (struct scan_limits){
        .max_message_bytes = 50u << 20,
        .max_header_bytes = 32u << 10,
        .max_depth = 16,
        .max_parts = 1000,
        .max_findings = 10000,
        .max_archive_depth = 4,
        .max_archive_entries = 10000,
        .max_archive_bytes = 256u << 20,
        .max_compression_ratio = 100,
        .max_pdf_pages = 2000,
        .max_pdf_objects = 500000,
        .max_pdf_memory = 256u << 20,
        .max_pdf_millis = 10000,
    };
    /* The default: sanitise actively, hold what cannot be opened. */
    p->documents = (struct scan_doc_policy){
        .enabled = true,
        .redact = true,
        .remove_macros = true,
        .remove_activex = true,
        .remove_external = true,
        .remove_comments = true,
        .accept_changes = true,
        .remove_metadata = true,
        .on_unreadable = SCAN_FB_QUARANTINE,
        .hold_unredactable = SCAN_MASK(SCAN_T_CREDIT_CARD) | SCAN_MASK(SCAN_T_US_SSN) |
                             SCAN_MASK(SCAN_T_UK_NINO) | SCAN_MASK(SCAN_T_IBAN) |
                             SCAN_MASK(SCAN_T_LEXICON),
    };
    p->html = (struct scan_html_policy){.scripts = true,
                                        .handlers = true,
                                        .urls = true,
                                        .iframes = true,
                                        .objects = true,
                                        .embeds = true,
                                        .forms = true};
    p->pdf = (struct scan_pdf_policy){.enabled = true,
                                      .javascript = true,
                                      .launch = true,
                                      .embedded_files = true,
                                      .xfa = true,
                                      .metadata = true};
}

static int
parse_root(struct scan_policy *p, struct rl_diag *d, json_t *root)
{
    static const char *const keys[] = {"version",
                                       "mask",
                                       "context_window",
                                       "detectors",
                                       "negative_context",
                                       "lexicons",
                                       "on_modification_failure",
                                       "on_parse_error",
                                       "keep_original",
                                       "limits",
                                       "html",
                                       "documents",
                                       "pdf",
                                       NULL};
    static const char *const mask_keys[] = {"char", "keep_last", NULL};
    int rc = check_keys(d, "", root, keys);
    if (rc != 0) {
        return rc;
    }
    const char *version = json_string_value(json_object_get(root, "version"));
    if (version == NULL || version[0] == '\0' || strlen(version) > 64) {
        return rl_diag_set(d, "version", "must be a string of 1 to 64 bytes");
    }
    if ((p->version = strdup(version)) == NULL) {
        return RL_ENOMEM;
    }
    json_t *v = json_object_get(root, "mask");
    if (v != NULL) {
        struct scan_mask m = {.ch = '*', .keep_last = 0};
        if ((rc = check_keys(d, "mask", v, mask_keys)) != 0 ||
            (rc = parse_mask(&m, d, "mask", "char", json_object_get(v, "char"),
                             json_object_get(v, "keep_last"))) != 0) {
            return rc;
        }
        for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
            p->detectors[t].mask = m;
        }
    }
    unsigned long long n = 0;
    if ((v = json_object_get(root, "context_window")) != NULL) {
        if ((rc = parse_uint(&n, d, "context_window", v, 0, 512)) != 0) {
            return rc;
        }
        p->context_window = (unsigned)n;
    }
    json_t *dets = json_object_get(root, "detectors");
    if (dets != NULL) {
        const char *key;
        if (!json_is_object(dets)) {
            return rl_diag_set(d, "detectors", "must be an object keyed by detector name");
        }
        json_object_foreach(dets, key, v)
        {
            if ((rc = parse_detector(p, d, key, v)) != 0) {
                return rc;
            }
        }
    }
    if ((v = json_object_get(root, "negative_context")) != NULL &&
        (rc = parse_words(&p->negative, d, "negative_context", v)) != 0) {
        return rc;
    }
    if ((rc = parse_lexicons(p, d, json_object_get(root, "lexicons"))) != 0) {
        return rc;
    }
    if ((v = json_object_get(root, "on_modification_failure")) != NULL &&
        (rc = parse_fallback(&p->on_modify_fail, d, "on_modification_failure", v)) != 0) {
        return rc;
    }
    if ((v = json_object_get(root, "on_parse_error")) != NULL &&
        (rc = parse_fallback(&p->on_parse_error, d, "on_parse_error", v)) != 0) {
        return rc;
    }
    if ((v = json_object_get(root, "keep_original")) != NULL) {
        if (!json_is_boolean(v)) {
            return rl_diag_set(d, "keep_original", "must be true or false");
        }
        p->keep_original = json_is_true(v);
    }
    if ((v = json_object_get(root, "limits")) != NULL &&
        (rc = parse_limits(&p->limits, d, v)) != 0) {
        return rc;
    }
    if ((v = json_object_get(root, "html")) != NULL && (rc = parse_html(&p->html, d, v)) != 0) {
        return rc;
    }
    if ((v = json_object_get(root, "documents")) != NULL &&
        (rc = parse_documents(&p->documents, d, v)) != 0) {
        return rc;
    }
    if ((v = json_object_get(root, "pdf")) != NULL && (rc = parse_pdf(&p->pdf, d, v)) != 0) {
        return rc;
    }
    return 0;
}

int
scan_policy_parse(struct scan_policy **out_policy, struct rl_diag *diag, const char *json,
                  size_t len)
{
    json_error_t jerr;
    *out_policy = NULL;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        char field[64];
        snprintf(field, sizeof(field), "line %d column %d", jerr.line, jerr.column);
        rl_diag_set(diag, field, "%s", jerr.text);
        return RL_ESYNTAX;
    }
    struct scan_policy *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        json_decref(root);
        return RL_ENOMEM;
    }
    set_defaults(p);
    int rc = parse_root(p, diag, root);
    json_decref(root);
    if (rc != 0) {
        scan_policy_free(p);
        return rc;
    }
    *out_policy = p;
    return 0;
}

int
scan_policy_load(struct scan_policy **out_policy, struct rl_diag *diag, const char *path)
{
    *out_policy = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        rl_diag_set(diag, path, "cannot open: %s", strerror(errno));
        return RL_EIO;
    }
    char *buf = NULL;
    size_t len = 0;
    size_t cap = 0;
    int rc = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            char *grown = cap <= (16u << 20) ? realloc(buf, cap) : NULL;
            if (grown == NULL) {
                rc = rl_diag_set(diag, path, "policy file larger than 16 MiB");
                break;
            }
            buf = grown;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                rl_diag_set(diag, path, "read failed");
                rc = RL_EIO;
            }
            break;
        }
    }
    fclose(f);
    if (rc == 0) {
        rc = scan_policy_parse(out_policy, diag, buf, len);
    }
    free(buf);
    return rc;
}

void
scan_policy_free(struct scan_policy *p)
{
    if (p == NULL) {
        return;
    }
    free(p->version);
    for (unsigned t = 0; t < SCAN_T__COUNT; t++) {
        free_list(p->keywords[t]);
    }
    free_list(p->negative);
    for (size_t i = 0; i < p->n_lexicons; i++) {
        free(p->lexicons[i].name);
    }
    free(p->lexicons);
    for (size_t i = 0; i < p->n_entries; i++) {
        free(p->entries[i].text);
    }
    free(p->entries);
    free(p);
}

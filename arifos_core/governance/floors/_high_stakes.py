"""``output.high_stakes``: specific, actionable medical, legal or financial directives.

Findings are typed ``medical_directive``, ``legal_directive`` or ``financial_directive``. A rule
matches an action ("take 800 mg of ibuprofen", "stop taking your insulin", "plead guilty", "put
all your savings into Bitcoin") or a claim ("guaranteed to double", "you don't need a lawyer").
An action scores high only when it is addressed to the reader: an imperative, "you should/can
...", "I recommend ...". The same words in a third-person, historical, reported, quoted or
negated sentence ("Don't stop taking your insulin", "many defendants plead guilty") score low.
Specifics (doses, frequencies, amounts, urgency) raise the score; hedges and advice to consult a
professional or follow the label lower it. The shipped threshold is 0.7.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from ...contracts import FloorSpec
from ._base import Evidence, mask_text
from ._text import RulePattern
from ._text import compile_rules as _compile
from ._text import fold as _fold
from ._text import is_quoted as _is_quoted
from ._text import rule_text as _rule_text

__all__ = ["TYPES", "HighStakesDetector", "build"]

MEDICAL = "medical_directive"
LEGAL = "legal_directive"
FINANCIAL = "financial_directive"
TYPES = (MEDICAL, LEGAL, FINANCIAL)
AUTO = "auto"  # the type follows the domain of the sentence

# --- vocabulary -----------------------------------------------------------------------------
_DRUG = (r"(?:ibuprofen|advil|motrin|nurofen|acetaminophen|paracetamol|tylenol|panadol|aspirin"
         r"|naproxen|aleve|insulin|metformin|warfarin|lithium|prednisone|amoxicillin|penicillin"
         r"|sertraline|zoloft|fluoxetine|prozac|xanax|alprazolam|lorazepam|ativan|diazepam|valium"
         r"|adderall|oxycodone|morphine|fentanyl|tramadol|codeine|gabapentin|lisinopril"
         r"|atorvastatin|statins?|levothyroxine|melatonin|benadryl|diphenhydramine|niacin"
         r"|vitamin\s+[a-e]\d?|antibiotics?|antidepressants?|steroids?|opioids?|blood\s+thinners?"
         r"|albuterol|ventolin|cough\s+syrup|ubat|obat|insulina|ibuprofeno|paracetamol|lexapro"
         r"|ambien"
         r"|ozempic|wegovy|semaglutide|epipen|nyquil|dayquil|sudafed|claritin|zyrtec|klonopin"
         r"|seroquel|abilify|wellbutrin|effexor|cymbalta|synthroid|eliquis|xarelto|plavix|lipitor"
         r"|crestor|viagra|cialis|suboxone|narcan|methadone|ritalin|vyvanse|concerta|keppra"
         r"|lamictal|depakote|tegretol|panadol|antihistamines?|antipsychotics?|antiretrovirals?"
         r"|antivirals?|anticoagulants?|immunosuppressants?|beta[- ]blockers?)")
#: Endings of generic drug names ("lisinopril", "metoprolol", "omeprazole").
_DRUG_ENDINGS = ("pril", "olol", "sartan", "statin", "azepam", "azolam", "oxetine", "pine",
                 "prazole", "cillin", "cycline", "mycin", "floxacin", "glutide", "triptan",
                 "codone", "morphone", "afil", "lukast", "terol", "idazole")
_GENERIC_DRUG = "[a-z]{3,}(?:" + "|".join(_DRUG_ENDINGS) + ")"
_MEDS = (rf"(?:medications?|meds|medicines?|pills|tablets|prescriptions?|{_DRUG}|{_GENERIC_DRUG}"
         r"|chemo(?:therapy)?"
         r"|radiation|dialysis|inhalers?|treatment|(?:blood\s+pressure|heart|thyroid|diabetes"
         r"|seizure)\s+(?:meds|medications?|pills|medicine))")
_UNIT = (r"(?:mg|milligrams?|mcg|micrograms?|µg|ug|iu|units?|tablets?|tabs?|pills?|capsules?"
         r"|caps|puffs?|doses?|gummies|lozenges|suppositor(?:y|ies)|biji|pil|kapsul|pastillas?"
         r"|comprimidos?|c[aá]psulas?)")
_UNIT_AMBIGUOUS = (r"(?:g|grams?|ml|milliliters?|millilitres?|cc|drops?|tsp|teaspoons?|tbsp"
                   r"|tablespoons?|shots?|sachets?|patches)")
_NUM = (r"(?:\d[\d,.]*(?:\s?(?:-|–|to)\s?\d[\d,.]*)?|one|two|three|four|five|six|ten|a\s+couple"
        r"\s+of|a\s+few|half\s+an?|an?\s+extra|another|un[ao]?|dos|tres|cuatro|satu|dua|tiga)")
_DOSE = (rf"{_NUM}\s?(?:[\w-]+\s+)?{_UNIT}(?![\w])|{_NUM}\s+(?:[\w-]+\s+)?{_DRUG}"
         rf"|{_NUM}\s?{_UNIT_AMBIGUOUS}(?![\w])")
_OBJ = (r"(?:(?:him|her|them|it|your\s+(?:[\w-]+\s+)?(?:child|baby|kid|son|daughter|toddler|infant"
        r"|dog|cat|partner|mom|dad)|the\s+(?:child|baby|kid|patient|dog)|an?\s+(?:\d+|one|two|three"
        r"|four|five|six)[- ](?:year|month|week)s?[- ]old|an?\s+(?:baby|infant|toddler|child"
        r"|kid))\s+)?")
_QUANT = r"(?:(?:up\s+to|about|around|roughly|at\s+least|only|with|on|at)\s+)?"
_PRO = (r"(?:doctor|physician|gp|er|emergency\s+room|a&e|hospital|dentist|specialist|medical\s+"
        r"(?:attention|care|help|advice)|urgent\s+care|911|ambulance|pharmacist|lawyer|attorney"
        r"|solicitor|legal\s+(?:advice|counsel|help|aid)|financial\s+(?:advisor|adviser|planner)"
        r"|accountant|cpa|tax\s+(?:professional|advisor)|anyone|anybody|someone"
        r"|a\s+professional)(?!'s\s+(?:office\s+)?(?:website|portal"
        r"|app|number|site|page))")
_ART = r"(?:a\s+|an\s+|the\s+|your\s+|any\s+)?"
_CASH = (r"(?:savings|money|retirement|401\s?\(?k\)?|ira|roth|pension|inheritance|paycheck|salary"
         r"|bonus|emergency\s+fund|college\s+fund|life\s+savings|epf|kwsp|super(?:annuation)?)")
_URGENT = (r"(?:now|today|tonight|immediately|right\s+(?:now|away)|asap|before\s+(?:it|the"
           r"|earnings))")

_RISKY = ("stop", "quit", "skip", "forget", "ignore", "drop", "ditch", "hide", "destroy", "shred",
          "burn", "leave", "flee", "crush", "double", "triple", "mortgage", "drain", "tear", "go",
          "come", "max", "cash", "liquidate", "empty", "throw", "abandon", "bin", "toss")
_PROTECT_MED = (rf"(?:{_MEDS}|doctor|appointments?|check-?ups?|follow-?ups?|vaccines?|vaccinations?"
                r"|shots?|epipen|inhaler|stitches|cast|splint|physio(?:therapy)?)")
_PROTECT_LEGAL = (r"(?:court(?:\s+date)?|hearing|jury\s+duty|summons|subpoena|(?:restraining|court"
                  r"|protective)\s+order|evidence|assets|records|scene|deposit|probation|bail"
                  r"|parole"
                  r"|custody\s+order|lease|tenant's\s+(?:stuff|things|belongings))")
_PROTECT_MONEY = (rf"(?:{_CASH}|house|home|property|loan|credit\s+cards?|insurance|emergency\s+fund"
                  r"|savings\s+account|portfolio|index\s+funds?)")

# --- rules ----------------------------------------------------------------------------------
# (type, score, mode, leads, rest). A finding is " " + lead + rest. ``mode``: "act" needs the
# action addressed to the reader; "claim" stands alone; a trailing "+" means the sentence must
# also mention the rule's domain (e.g. money for "put all your ... into").
_Rule = tuple[str, float, str, "str | tuple[str, ...]", str]
_RULES: tuple[_Rule, ...] = (
    # --- medical: doses, stopping or changing medication, skipping care
    (MEDICAL, 0.85, "act", ("take", "have"), r"\s+(?:a\s+)?(?:double|twice\s+the|an\s+extra"
     r"|two)\s+(?:dose|doses|dosage)"),
    (MEDICAL, 0.8, "act", ("take", "give", "use", "inject", "apply", "administer", "swallow",
                           "chew", "try", "start", "pop", "drink", "have", "mix", "ambil", "makan",
                           "telan", "minum", "berikan", "bagi", "toma", "tome", "tómate", "dale",
                           "add",
                           "taking", "giving", "using"),
     rf"\s+{_OBJ}{_QUANT}(?:{_DOSE})"),
    (MEDICAL, 0.9, "act", ("stop", "quit", "discontinue", "cease", "skip", "drop", "ditch", "halt",
                           "throw", "flush", "come", "get", "go", "cut", "wean"),
     rf"(?:\s+(?:yourself|him|her|them))?(?:\s+(?:off|out|away))?(?:\s+(?:taking"
     rf"|using))?\s+(?:all\s+(?:of\s+)?)?(?:your\s+|the\s+|those\s+|these\s+"
     rf"|any\s+)?(?:[\w-]+\s+){{0,2}}?{_MEDS}"),
    (MEDICAL, 0.85, "act", ("double", "triple", "halve", "increase", "decrease", "raise", "lower",
                            "reduce", "cut", "up", "bump", "max"),
     rf"(?:\s+up)?(?:\s+on)?\s+(?:your|the)\s+(?:[\w-]+\s+){{0,2}}?(?:dose|dosage|insulin|meds"
     rf"|medication|pills|{_DRUG})(?:\s+dose)?(?!\s+of\s+(?:humou?r|reality|sunshine|patience"
     rf"|fun|realism|common\s+sense|optimism|truth))"),
    (MEDICAL, 0.85, "act", ("don't", "do"), rf"(?:\s+not)?\s+take\s+your\s+(?:insulin|medications?"
     rf"|meds|pills|{_DRUG})(?=\s*(?:[.!,;]|today|tonight|tomorrow|anymore|any\s+more|at\s+all"
     rf"|for\s+(?:a\s+few|\d+)\s+days|$))"),
    (MEDICAL, 0.85, "act", ("don't", "do", "never"), rf"(?:\s+not)?\s+(?:bother\s+(?:with|taking"
     rf"|filling)|fill|pick\s+up)\s+(?:the\s+|your\s+|those\s+"
     rf"|any\s+)?(?:[\w-]+\s+){{0,2}}?{_MEDS}"),
    (MEDICAL, 0.85, "act", ("take", "use", "try", "give"), rf"\s+(?:some\s+|your\s+|the\s+"
     rf"|a\s+)?(?:leftover|old|expired|spare|friend's|partner's|mom's|dad's|wife's|husband's"
     rf"|someone\s+else's|roommate's)\s+{_MEDS}"),
    (MEDICAL, 0.85, "act", ("swap", "replace", "switch", "trade", "substitute"),
     rf"(?:\s+out)?\s+(?:your|the)\s+(?:[\w-]+\s+){{0,2}}?{_MEDS}\s+(?:for|with)"),
    (AUTO, 0.85, "act", ("ignore", "disregard"), r"\s+(?:what\s+)?(?:your"
     r"|the)\s+(?:[\w-]+\s+)?(?:doctor|physician|gp|cardiologist|oncologist|specialist|surgeon"
     r"|nurse|pharmacist|psychiatrist|dentist|pediatrician|lawyer|attorney"
     r"|advisor)(?:'s\s+(?:advice|orders|instructions|recommendations?)|\s+(?:said|says|told"
     r"|recommended|prescribed|advised))"),
    (MEDICAL, 0.75, "claim", ("instead", "rather"), rf"\s+(?:of|than)\s+(?:(?:going\s+to|seeing"
     rf"|calling|taking|using|getting)\s+)?(?:your|the|a|an)\s+(?:[\w'-]+\s+){{0,4}}?(?:{_PRO}"
     rf"|{_MEDS}|vaccines?|surgery)"),
    (MEDICAL, 0.75, "claim", "will", r"\s+(?:definitely\s+|completely\s+|totally\s+)?cure"),
    (MEDICAL, 0.75, "claim", "you", rf"\s+can\s+(?:safely\s+|still\s+)?(?:drink(?:\s+alcohol)?"
     rf"|drive|operate\s+machinery)\s+(?:(?:while|after)\s+(?:on\s+|taking\s+"
     rf"|using\s+)?(?:[\w-]+\s+)?{_MEDS}|on\s+{_MEDS})"),
    (MEDICAL, 0.8, "act", ("don't", "do", "never"), r"(?:\s+not)?\s+get\s+(?:it|this|that"
     r"|them)\s+(?:checked|looked\s+at|seen\s+to|examined)"),
    (MEDICAL, 0.75, "claim", "you", r"(?:'re|\s+are)\s+(?:totally\s+|perfectly\s+)?(?:fine|safe"
     r"|okay|ok)\s+to\s+(?:drive|drink|operate)"),
    (MEDICAL, 0.9, "act", ("berhenti", "hentikan", "deja"), rf"(?:\s+de)?\s+(?:(?:ambil|mengambil"
     rf"|makan|minum|guna|menggunakan|mengonsumsi|tomar)\s+)?(?:tu\s+"
     rf"|su\s+)?(?:[\w-]+\s+){{0,3}}?(?:ubat|obat|insulina?|medicamentos?|{_MEDS})"),
    # --- anything: "you don't need a doctor / lawyer"
    (AUTO, 0.85, "act", "you", rf"\s+(?:really\s+)?(?:don't|do\s+not|won't"
     rf"|will\s+not)\s+need\s+(?:to\s+(?:see|visit|call|consult|go\s+to|get\s+checked\s+by"
     rf"|bother\s+(?:with|seeing)|hire|pay\s+for|involve|talk\s+to)\s+)?{_ART}{_PRO}"),
    (AUTO, 0.8, "act", "no", rf"\s+need\s+(?:to|for)\s+(?:(?:see|visit|call|consult|go\s+to"
     rf"|involve|hire|pay\s+for|bother\s+with)\s+)?{_ART}{_PRO}"),
    (AUTO, 0.8, "act", ("don't", "do", "never"), rf"(?:\s+not)?\s+(?:bother\s+)?(?:go(?:ing)?\s+to"
     rf"|see(?:ing)?|call(?:ing)?|visit(?:ing)?|consult(?:ing)?|hir(?:e|ing)|pay(?:ing)?\s+for"
     rf"|get(?:ting)?|involv(?:e|ing)|wast(?:e|ing)\s+(?:your\s+)?(?:money"
     rf"|time)\s+on)\s+{_ART}{_PRO}"),
    (AUTO, 0.75, "act", "skip", r"\s+(?:the|a|your)\s+(?:doctor|er|emergency\s+room|hospital"
     r"|lawyer|attorney|dentist|appointment|check-?up|follow-up)"),
    (LEGAL, 0.8, "act", "no", r"\s+necesitas\s+(?:un\s+|una\s+)?abogad[oa]"),
    (MEDICAL, 0.8, "act", "no", r"\s+necesitas\s+(?:un\s+|una\s+|ir\s+al\s+)?(?:m[eé]dico|doctor)"),
    # --- legal
    (LEGAL, 0.85, "act", "plead", r"\s+(?:guilty|no\s+contest|nolo\s+contendere|not\s+guilty)"),
    (LEGAL, 0.85, "act", ("declárate", "declarate", "declárese"), r"\s+culpable"),
    (LEGAL, 0.8, "act", "sign", r"\s+(?:the\s+|this\s+|that\s+|your\s+)?plea\s+(?:deal|agreement"
     r"|bargain)"),
    (LEGAL, 0.75, "act", "sign", r"\s+over\s+(?:the|your)\s+(?:deed|house|property|title|rights"
     r"|custody)"),
    (LEGAL, 0.8, "act", ("don't", "do", "never"), r"(?:\s+not)?\s+pay\s+(?:the\s+|your\s+|any\s+"
     r"|those\s+)?(?:[\w-]+\s+)?(?:tickets?|fines?|taxes|child\s+support|alimony|rent)"),
    (LEGAL, 0.7, "act", "tell", r"\s+(?:the\s+)?(?:judge|court|police|cops|officer|irs"
     r"|insurance\s+company|insurer|adjuster)\s+(?:that\s+)?(?:you|it)\s+(?:were|was|weren't"
     r"|wasn't|didn't|did\s+not|never|had)"),
    (LEGAL, 0.7, "act+", "change", r"\s+the\s+locks"),
    (LEGAL, 0.8, "act", "throw", r"\s+(?:your\s+|the\s+)?(?:tenant|roommate|ex"
     r"|lodger)'?s?\s+(?:stuff|belongings|things)\s+out"),
    (LEGAL, 0.7, "act", "represent", r"\s+yourself"),
    (LEGAL, 0.8, "act+", ("destroy", "delete", "shred", "wipe", "hide", "burn"), r"\s+(?:the|those"
     r"|these|your|all|any)\s+(?:[\w-]+\s+)?(?:emails?|evidence|records?|documents?|files|texts?"
     r"|messages|receipts|footage|recordings?)"),
    (LEGAL, 0.6, "act", "sign", r"\s+(?:(?:the|this|that|it|your|any|those"
     r"|these)\s+(?:[\w-]+\s+){0,2}?(?:contract|lease|agreement|settlement|waiver|nda"
     r"|non-?compete|plea\s+(?:deal|agreement)|deed|release|papers|documents?|offer)|whatever)"),
    (LEGAL, 0.85, "act", ("ignore", "abaikan"), r"\s+(?:the|this|that|your|a|any|all|those|these"
     r"|itu)?\s*(?:[\w-]+\s+){0,2}?(?:summons|subpoena|court\s+(?:order|date|notice)"
     r"|eviction(?:\s+notice)?|notice\s+to\s+(?:quit|vacate|appear)|lawsuit|complaint|warrant"
     r"|citation|ticket|jury\s+duty|letter\s+from\s+(?:the\s+)?(?:irs|court|hmrc|lawyer"
     r"|attorney)|(?:irs|tax|hmrc)\s+(?:letter|notice|demand|bill)|cease\s+and\s+desist"
     r"|demand\s+letter|court\s+papers|divorce\s+papers|saman|notis|waran)"),
    (LEGAL, 0.85, "act", ("don't", "do", "never"), r"(?:\s+not)?\s+(?:respond\s+to|reply\s+to"
     r"|answer|go\s+to|attend|show\s+up(?:\s+(?:to|for|at))?|appear\s+(?:in|at|for)"
     r"|go\s+to)\s+(?:the\s+|your\s+|a\s+)?(?:court|hearing|summons|subpoena|deposition|trial"
     r"|jury\s+duty|arraignment|eviction\s+notice|lawsuit|complaint)"),
    (LEGAL, 0.8, "act", ("don't", "do", "never"), r"(?:\s+not)?\s+(?:tell|disclose|report|mention"
     r"|declare)\s+[^.!?\n]{0,40}?\b(?:to\s+)?(?:the\s+)?(?:irs|police|court|judge"
     r"|insurance\s+company|insurer|customs|hmrc|tax\s+(?:authorit(?:y|ies)|office))"),
    (LEGAL, 0.8, "act", "withhold", r"\s+(?:your\s+|the\s+)?rent"),
    (LEGAL, 0.8, "act", "stop", r"\s+paying\s+(?:your\s+|the\s+)?(?:rent|child\s+support|alimony"
     r"|taxes|the\s+fine)"),
    (FINANCIAL, 0.7, "act", "stop", r"\s+paying\s+(?:your\s+|the\s+)?(?:mortgage|loans?"
     r"|credit\s+cards?|student\s+loans?|debts?|bills)"),
    (LEGAL, 0.8, "act", "you", r"\s+can\s+legally\s+[a-z]+"),
    (LEGAL, 0.75, "act", "you", r"(?:'re|\s+are)\s+(?:legally\s+)?(?:allowed|entitled"
     r"|permitted)\s+to\s+(?:legally\s+)?(?:withhold|keep|break|ignore|stop\s+paying|record"
     r"|evict|fire|take|refuse|deduct|sublet|change\s+the\s+locks)"),
    (LEGAL, 0.8, "act", "you", r"\s+(?:don't|do\s+not)\s+(?:have|need)\s+to\s+(?:pay|file"
     r"|report)\s+(?:your\s+|the\s+|any\s+)?(?:taxes|tax|the\s+fine|child\s+support|alimony"
     r"|the\s+ticket|back\s+rent|income\s+tax)"),
    (LEGAL, 0.75, "claim", "you", r"(?:'ll|\s+will)\s+(?:definitely\s+|certainly\s+|easily\s+"
     r"|surely\s+)?win\s+(?:the|your|this)\s+(?:case|lawsuit|suit|appeal)|(?:\s+have"
     r"|'ve\s+got)\s+(?:a|an)\s+(?:airtight|guaranteed|open-and-shut|slam[- ]?dunk|bulletproof"
     r"|sure-?fire|watertight)\s+case"),
    (LEGAL, 0.85, "act", "lie", r"\s+(?:to|under)\s+(?:the\s+|your\s+)?(?:court|judge|police|irs"
     r"|oath|insurance(?:\s+company)?|insurer|investigators?|customs|immigration|hmrc)"),
    (LEGAL, 0.75, "act", "tell", r"\s+the\s+police\s+nothing"),
    (LEGAL, 0.7, "act", "deny", r"\s+(?:that\s+)?(?:you\s+were|being|everything)"),
    (LEGAL, 0.75, "claim", "custody", r"\s+(?:order|agreement|ruling)\s+(?:doesn't|does\s+not"
     r"|won't|will\s+not)\s+(?:apply|matter|count)"),
    (LEGAL, 0.8, "act", "overstay", r"\s+your\s+visa"),
    (LEGAL, 0.75, "act+", "keep", r"\s+(?:the|their|your\s+tenant's)\s+(?:security\s+)?deposit"),
    (LEGAL, 0.8, "act", ("drive", "driving"), r"\s+(?:on|with)\s+a\s+(?:suspended|revoked"
     r"|expired)\s+licen[cs]e"),
    (LEGAL, 0.75, "act+", ("don't", "do", "never"), r"(?:\s+not)?\s+(?:tell|inform|notify|answer"
     r"|open)\s+(?:your\s+|the\s+)?(?:landlord|police|court|judge|irs|employer|door"
     r"|probation\s+officer)"),
    (LEGAL, 0.65, "act", "sue", r"\s+(?:him|her|them|your\s+(?:[\w-]+\s+)?(?:landlord|employer"
     r"|boss|neighbou?r|ex|contractor|doctor|company|school|hospital)|the\s+(?:company|landlord"
     r"|hospital|school|city))"),
    (LEGAL, 0.7, "act", "file", r"\s+(?:for\s+)?(?:bankruptcy|chapter\s+(?:7|11|13|seven|eleven"
     r"|thirteen)|divorce)"),
    # --- financial
    (FINANCIAL, 0.85, "act+", ("put", "invest", "move", "transfer", "pour", "sink", "dump", "throw",
                               "bet", "shift", "park", "convert", "roll", "lend", "use", "invierte",
                               "pon", "mete", "masukkan", "laburkan", "investasikan", "pindahkan"),
     r"\s+(?:all|everything|every\s+(?:penny|dollar|cent|ringgit)|the\s+(?:entire|whole)"
     r"|your\s+(?:entire|whole|life|retirement|emergency|kids'?|children's|college|house|home"
     r"|pension|inheritance)|100\s?%|\d{2,3}\s?%\s+of|todos?|semua|seluruh"
     r"|kesemua)\b[^.!?\n]{0,60}?\b(?:into|in|on|to|en|ke|dalam|pada)\b"),
    (FINANCIAL, 0.85, "act+", ("sell", "dump", "liquidate", "cash"), r"\s+(?:out\s+)?(?:all"
     r"|everything|your\s+(?:entire|whole))\b[^.!?\n]{0,40}?\band\s+(?:buy|put|invest|go\s+all"
     r"|move)"),
    (FINANCIAL, 0.7, "act+", "buy", r"\s+[^.!?\n]{0,30}?\b(?:calls|puts|options)\b"),
    (FINANCIAL, 0.8, "act+", "take", r"\s+your\s+(?:whole|entire)\s+(?:[\w-]+\s+)?" + _CASH),
    (FINANCIAL, 0.8, "act+", "go", r"\s+all[- ]in\s+(?:on|with)"),
    (FINANCIAL, 0.8, "act", "bet", r"\s+(?:the\s+farm|the\s+house|everything|your\s+(?:house|home"
     r"|savings|retirement|paycheck|life\s+savings|entire))"),
    (FINANCIAL, 0.85, "act", "take", r"(?:\s+out)?\s+(?:a\s+|another\s+)?(?:loan|second\s+mortgage"
     r"|mortgage|heloc|home\s+equity\s+(?:loan|line)|personal\s+loan|payday\s+loan"
     r"|cash\s+advance|margin\s+loan)\b[^.!?\n]{0,40}?\b(?:to|and)\s+(?:buy|invest|purchase|put"
     r"|fund|trade|bet|gamble)\b[^.!?\n]{0,40}?\b(?:stocks?|shares|crypto|bitcoin|btc|eth"
     r"|ethereum|coins?|tokens?|nfts?|options|in|into|the\s+market|more|dogecoin|doge|solana"
     r"|xrp|shiba|memecoins?|gold|forex)"),
    (FINANCIAL, 0.85, "act", "borrow", r"\s+(?:money\s+|against\s+your\s+(?:house|home"
     r"|401\s?\(?k\)?|retirement)|from\s+your\s+(?:401\s?\(?k\)?|retirement|family)"
     r"|on\s+margin)?[^.!?\n]{0,30}?\b(?:to|and)\s+(?:invest|buy|trade)"),
    (FINANCIAL, 0.8, "act", "max", r"\s+out\s+(?:your\s+)?credit\s+cards?"),
    (FINANCIAL, 0.85, "act", "use", r"\s+(?:your\s+)?(?:emergency\s+fund|rent\s+money"
     r"|retirement\s+savings|401\s?\(?k\)?|college\s+fund|savings|mortgage\s+money"
     r"|student\s+loans?|life\s+savings|(?:[\w-]+\s+){0,2}?cash\s+advance|credit\s+cards?"
     r"|line\s+of\s+credit|loan\s+money)\s+to\s+(?:buy|invest|trade|gamble|bet|day[- ]?trade"
     r"|speculate)"),
    (FINANCIAL, 0.85, "act", ("sell", "refinance", "remortgage"), r"\s+(?:your"
     r"|the)\s+(?:[\w-]+\s+)?(?:house|home|car|apartment|condo|property|land|business|flat"
     r"|mortgage)\b[^.!?\n]{0,30}?\b(?:and|to)\s+(?:invest|buy|put|go\s+all|pour)"),
    (FINANCIAL, 0.7, "act", "sell", rf"\s+(?:all\s+)?(?:your\s+)?(?:shares|stocks?|holdings"
     rf"|positions|crypto|bitcoin)\s+{_URGENT}"),
    (FINANCIAL, 0.7, "act+", "buy", rf"\s+(?:[\w$.-]+\s+){{1,3}}?{_URGENT}"),
    (FINANCIAL, 0.75, "act+", "buy", r"\s+as\s+(?:much|many)\s+(?:[\w-]+\s+)?as\s+(?:you\s+can"
     r"|possible)"),
    (FINANCIAL, 0.8, "act", "cash", r"\s+out\s+(?:your\s+)?(?:[\w'-]+\s+){0,2}?(?:401\s?\(?k\)?"
     r"|ira|roth|retirement|pension|savings|superannuation|super|epf|kwsp)"),
    (FINANCIAL, 0.75, "act", "withdraw", r"\s+(?:all\s+(?:of\s+)?"
     r"|everything\s+from\s+)?(?:your\s+)?(?:entire\s+|whole\s+)?(?:401\s?\(?k\)?|ira|retirement"
     r"|pension|savings|epf|kwsp|super)"),
    (FINANCIAL, 0.8, "act", "empty", r"\s+(?:your\s+)?(?:savings|401\s?\(?k\)?|retirement"
     r"|bank\s+account|emergency\s+fund|pension)"),
    (FINANCIAL, 0.75, "act+", "liquidate", r"\s+(?:your|all|everything)"),
    (FINANCIAL, 0.8, "act", "quit", r"\s+your\s+job\s+(?:and|to)\s+(?:trade|day[- ]?trade|invest"
     r"|do\s+crypto|trade\s+crypto|trade\s+forex|gamble)"),
    (FINANCIAL, 0.8, "act", ("send", "transfer", "move", "give", "wire", "lend", "put", "invest",
                             "pour", "sink"),
     rf"\s+(?:all\s+(?:of\s+)?)?your\s+(?:[\w'-]+\s+){{0,2}}?{_CASH}\b[^.!?\n]{{0,40}}?\b(?:crypto\w*"
     r"|bitcoin|coins?|tokens?|nfts?|scheme|trading\s+(?:account|bot)|options|startup|forex"
     r"|penny\s+stocks?|leveraged|bot|my\s+(?:guy|friend|cousin)|meme\s?coins?|dogecoin"
     r"|day\s+trading|casino|betting)"),
    # --- risky actions on something that protects the reader (medication, court duties, savings)
    (MEDICAL, 0.75, "act", _RISKY, rf"(?:\s+(?:up|off|out"
     rf"|away))?\s+(?:[\w'-]+\s+){{0,4}}?{_PROTECT_MED}"),
    (LEGAL, 0.75, "act+", _RISKY, rf"(?:\s+(?:up|off|out"
     rf"|away))?\s+(?:[\w'-]+\s+){{0,4}}?{_PROTECT_LEGAL}"),
    (FINANCIAL, 0.75, "act+", _RISKY, rf"(?:\s+(?:up|off|out"
     rf"|away))?\s+(?:[\w'-]+\s+){{0,4}}?{_PROTECT_MONEY}"),
    # --- claims: guarantees and certainties about outcomes
    (AUTO, 0.8, "claim", ("guaranteed", "dijamin", "garantizado"), r"\s+(?:to\s+(?:double|triple"
     r"|quadruple|go\s+up|rise|increase|grow|make\s+(?:you\s+)?(?:money|a\s+profit|rich)"
     r"|pay\s+off|return\s+(?:\d[\d.,]*\s?%?|your|a\s+profit|at\s+least)|10x|moon"
     r"|beat\s+the\s+market|cure|heal)|(?:\d+\s?%\s+)?(?:returns?|profits?|gains?|yield)|untung"
     r"|pulangan|naik|berganda|to\s+(?:recover|bounce\s+back))"),
    (FINANCIAL, 0.75, "claim+", ("can't", "cannot", "won't"), r"\s+(?:possibly\s+)?(?:lose"
     r"|go\s+down|fail|crash|drop)"),
    (FINANCIAL, 0.75, "claim+", ("will", "can"), r"\s+(?:not|never)\s+(?:possibly\s+)?(?:lose"
     r"|go\s+down|fail|crash|drop)|\s+only\s+go\s+up"),
    (FINANCIAL, 0.7, "claim+", ("doubles", "triples"), r"\s+(?:it|your\s+money|the\s+money|every)"),
    (FINANCIAL, 0.7, "claim+", "risk", r"[- ]free(?!\s+(?:rate|asset|interest|return|bond|treasury"
     r"|trial|cancellation))"),
    (FINANCIAL, 0.7, "claim+", ("zero", "no"), r"\s+risk(?![- ]free)"),
    (FINANCIAL, 0.75, "claim+", ("will", "going"), r"(?:\s+to)?\s+(?:definitely\s+|certainly\s+"
     r"|surely\s+|absolutely\s+|100%\s+)?(?:double|triple|10x|100x|moon|skyrocket|explode)"),
    (FINANCIAL, 0.7, "claim+", "sure", r"\s+(?:thing|bet)"),
)

# --- context ------------------------------------------------------------------------------
_LOOKBACK = 300  # characters of context around a finding that can change its score
_BLANKS = "\n\r\t\"“”«»[]*_>`~|"
_DOMAIN = {
    MEDICAL: re.compile(
        rf"{_DRUG}|\b(?:medications?|meds|medicines?|pills?|tablets?|capsules?|doses?|dosage|mg"
        r"|insulin|prescription|symptoms?|pain|fever|infection|headache|migraine|blood\s+pressure"
        r"|diabetes|cancer|chemo|surgery|vaccines?|cough|toothache|injury|rash|sick|ill|nausea"
        r"|anxiety|sleep|medicamentos?|doctor|physician|hospital|er|emergency\s+room|dentist"
        r"|inhalers?|treatment|dialysis|radiation|lungs?|broken|fracture|wound|bleeding|chest"
        r"|heart|ubat|obat|cardiologist|oncologist|specialist|surgeon|nurse|pharmacist|psychiatrist"
        r"|pa?ediatrician|toddler)\b"),
    LEGAL: re.compile(
        r"\b(?:court|judge|lawyer|attorney|lawsuit|sue|plead|guilty|contract|lease|landlord|tenant"
        r"|rent|eviction|summons|subpoena|custody|divorce|police|arrest|charges?|felony|bail|visa"
        r"|immigration|irs|tax(?:es)?|fine|ticket|legal(?:ly)?|illegal|law|mahkamah|saman"
        r"|abogado|culpable|accident|scene|jury|process\s+server|restraining\s+order|licen[cs]e"
        r"|deposit|assets|probation|parole|warrant|evidence|deed)\b"),
    FINANCIAL: re.compile(
        r"\$\s?\d|\b(?:savings|money|retirement|401\s?\(?k\)?|ira|pension|stocks?|shares|bitcoin"
        r"|btc"
        r"|crypto\w*|ethereum|eth|dogecoin|solana|coins?|tokens?|nfts?|funds?|etfs?|index|options"
        r"|portfolio|invest\w*|bonds?|real\s+estate|gold|forex|dollars|ringgit|rm\s?\d+|cash"
        r"|net\s+worth|inheritance|paycheck|salary|equity|market|trad(?:e|ing)|returns?|profits?"
        r"|epf|kwsp|loans?|mortgage|credit|debt|simpanan|tabungan|saham|ahorros|dinero|wang"
        r"|duit|uang|kripto|emas|rumah\s+anda)\b"),
}
#: A ticker symbol used as one: "$NVDA", "TSLA shares", "all in on NVDA".
_TICKER = re.compile(r"\$[A-Z]{2,5}\b|\b[A-Z]{2,5}\s+(?:stock|shares|calls|puts|options|coin)\b"
                     r"|\b(?:on|into|in|buy|sell|short)\s+[A-Z]{3,5}\b(?!\s+[a-z])")
#: Money words that are not also ordinary technical words ("options", "index", "returns").
_FIN_STRONG = re.compile(
    r"\$\s?\d|\b(?:savings|money|retirement|401\s?\(?k\)?|ira|pension|stocks?|bitcoin|btc|crypto\w*"
    r"|ethereum|dogecoin|solana|nfts?|etfs?|coins?|bonds?|shares|portfolio|invest\w*|real\s+estate"
    r"|forex|dollars"
    r"|ringgit|rm\s?\d+|net\s+worth|inheritance|paycheck|salary|epf|kwsp|loans?|mortgage|debt"
    r"|simpanan|tabungan|saham|ahorros|dinero|wang|duit|uang|kripto|penny\s+stocks?|day\s+trad\w+"
    r"|leveraged|lottery|casino|betting|odds|(?:index|college|emergency|retirement|mutual|hedge)\s+"
    r"funds?|startups?|every\s+penny|(?:calls|puts|options)\s+expiring)\b")
_LEGAL_PRO = re.compile(r"lawyer|attorney|solicitor|legal|abogad")
_FINANCIAL_PRO = re.compile(r"financial|accountant|cpa|tax\s+(?:professional|advisor)")
_MEDICAL_PRO = re.compile(r"doctor|physician|\bgp\b|cardiolog|oncolog|specialist|surgeon|nurse"
                          r"|pharmacist|psychiatr|dentist|pa?ediatric|hospital")
_MEDICAL_CLAIM = re.compile(r"\b(?:cure|heal|drive|drink|operate|chemo|surgery|vaccines?)\b")
_FREQ = re.compile(r"\b(?:every\s+\d+(?:\s?(?:-|to)\s?\d+)?\s*(?:hours?|hrs?|h)\b|(?:once|twice"
                   r"|three\s+times|\d+\s+times)\s+(?:a|per|each)\s+day|daily|nightly|at\s+bedtime"
                   r"|every\s+(?:morning|night|day|evening)|for\s+\d+\s+days|setiap\s+\d+\s+jam"
                   r"|cada\s+\d+\s+horas)")
_AMOUNT = re.compile(r"\$\s?\d|\d\s?(?:%|percent|dollars|ringgit)|\brm\s?\d|\b(?:all|everything"
                     r"|entire|whole|every\s+penny|life\s+savings|semua|seluruh|todos?)\b")
_URGENCY = re.compile(r"\b(?:now|today|tonight|tomorrow|immediately|right\s+(?:now|away)|asap"
                      r"|this\s+week|before\s+it's\s+too\s+late|sekarang|ahora)\b|without\s+"
                      r"(?:reading|a\s+lawyer|review)")
_RECKLESS = re.compile(r"without\s+(?:reading|a\s+lawyer|legal\s+review|review|telling|checking"
                       r"|asking|thinking)|before\s+(?:they|he|she|it's\s+too\s+late)"
                       r"|no\s+questions")
_HEDGE = re.compile(r"\b(?:may|might|could|perhaps|possibly|generally|typically|usually|often"
                    r"|some|many|most|in\s+general|for\s+example|for\s+instance|depending|it\s+"
                    r"depends|consider|commonly|mungkin|quizás|puede)\b")
_REFERRAL = re.compile(
    r"\b(?:(?:talk|speak|check|consult|ask|see|call|contact|visit|work|confirm|follow\s+up|seek"
    r"|get\s+(?:advice|help))\s+(?:with\s+|to\s+|from\s+)?(?:a\s+|an\s+|your\s+|the\s+"
    r"|qualified\s+|licensed\s+|local\s+)*(?:[\w-]+\s+)?(?:doctor|physician|gp|pharmacist|nurse"
    r"|clinician|provider|healthcare\s+(?:provider|professional)|specialist|dermatologist"
    r"|pa?ediatrician|psychiatrist|therapist|lawyer|attorney|solicitor|legal\s+aid|paralegal"
    r"|financial\s+(?:advisor|adviser|planner|professional)|fiduciary|accountant|cpa|tax\s+"
    r"professional|professional|expert|911|emergency\s+services|poison\s+control|medical\s+(?:help"
    r"|attention|advice))|(?:not|isn't|is\s+not)\s+(?:medical|legal|financial|investment|tax)\s+"
    r"advice|as\s+directed|as\s+prescribed|follow\s+the\s+(?:label|instructions|directions|package"
    r"|leaflet)|on\s+the\s+(?:label|package|leaflet)|per\s+the\s+label|according\s+to\s+(?:the\s+"
    r"|most\s+)?(?:label|leaflet|package)s?|(?:your|a)\s+(?:doctor|physician|pharmacist"
    r"|pa?ediatrician|lawyer|attorney|advisor)\s+(?:can|will|may|should|might|could)(?!'t|n't"
    r"|\s+not|\s+only|\s+just)|consulta"
    r"|konsultasikan|berjumpa|rujuk|tanya\s+ahli)\b")
_ANTI_REFERRAL = re.compile(r"(?:don't|no\s+need|without|instead\s+of|skip|never|not|bother"
                            r"|waste)\s+(?:\w+\s+){0,3}$")
_DISCOURSE = (r"(?:so|then|just|and|now|also|please|simply|first(?:ly)?|second(?:ly)?|next"
              r"|finally|okay|ok|alright|honestly|basically|instead|today|tonight|immediately"
              r"|seriously|look|listen|trust\s+me|there's|there\s+is|nah|no|yes|well|oh|hey"
              r"|step\s+\d+|tip|answer|short\s+answer|my\s+advice|my\s+recommendation|here's\s+"
              r"(?:what\s+to\s+do|the\s+plan)|the\s+plan|plan|\d+[.)]|[-•])")
_IMPERATIVE = re.compile(rf"^[\s\W]*(?:{_DISCOURSE}(?![\w'])[\s,:;.!-]*)*$")
_MODAL = re.compile(
    r"\b(?:you|your\s+(?:[\w-]+\s+)?(?:child|baby|kid|son|daughter|toddler|dog|cat|partner))"
    r"(?:'ll|\s+will)?\s+(?:(?:really|definitely|absolutely|just|probably|honestly|simply|also"
    r"|safely|then|totally)\s+)*(?:should|must|need\s+to|have\s+to|ought\s+to|can|could|'d\s+"
    r"better|had\s+better|better|want\s+to|'ll\s+want\s+to|'ll\s+need\s+to|will\s+need\s+to|are\s+"
    r"(?:going\s+)?to|'re\s+(?:going\s+)?to|may\s+want\s+to|might\s+want\s+to|may|might|'re\s+fine"
    r"\s+to|should\s+be|must\s+be|need\s+to\s+be|'ll\s+be|are\s+fine\s+to)\s+(?:(?:just|definitely|probably|immediately|also|simply|safely|go\s+"
    r"ahead\s+and|totally|absolutely|really)\s+)*$")
_CHAINED = re.compile(r"\b(?:and|then|or|dan|lalu|kemudian|y|e)\s+(?:then\s+)?$")
_VERB = re.compile(r"\b(?:take|apply|use|stop|give|sell|buy|put|move|sign|dump|refinance|withdraw"
                   r"|cancel|skip|go|try|get|add|mix|drink|eat|call|tell|ignore|change|throw"
                   r"|destroy|pay|keep|quit|invest|transfer|cash|borrow|liquidate|empty|plead|file"
                   r"|sue|wait|rest|drop|switch|swap|replace|cut|double|increase|start|spend|lend"
                   r"|bet|hold|max|ditch|leave|ice|chew|swallow|inject|crush|mortgage|hide|forget"
                   r"|tear|jual"
                   r"|beli|ambil|laburkan|masukkan|vende|compra|invierte|toma)\b")
_WEAK = re.compile(r"\b(?:may|might|could)\b")
_ADVICE = re.compile(
    r"(?:\bi\s+(?:would\s+|'d\s+)?(?:strongly\s+|really\s+|highly\s+)?(?:recommend|suggest|advise"
    r"|urge)(?:\s+(?:that\s+)?you)?(?:\s+to)?|\bmy\s+(?:advice|recommendation|suggestion)\s+(?:is"
    r"|would\s+be)(?:\s+to)?|\bthe\s+best\s+(?:thing|move|option|plan|strategy|approach)\s+(?:is"
    r"|would\s+be)\s+to|\byour\s+best\s+(?:bet|option|move)\s+is\s+to|\bit(?:'s|\s+is)\s+(?:best"
    r"|safest|smartest|fine|safe|ok|okay|perfectly\s+(?:fine|safe))\s+to|\bgo\s+ahead\s+and"
    r"|\bmake\s+sure\s+(?:to|you)|\bbe\s+sure\s+to|\bremember\s+to|\bfeel\s+free\s+to|\bjust"
    r"|\bi'd|\bi\s+would)\s*[:,]?\s*$")
_NEGATED = re.compile(r"(?:\b(?:don't|do\s+not|never|shouldn't|should\s+not|must\s+not|mustn't"
                      r"|avoid|not\s+to|no\s+need\s+to|cannot|can't|won't|jangan|nunca)|\bno\s+one"
                      r"\s+should)\s+(?:[\w-]+\s+)?$")
_CLAIM_NEGATED = re.compile(r"\b(?:no|not|never|nothing|nobody|none|neither|without|tiada|tidak"
                            r"|ninguna?)\b|n't\b")
_WARNING = re.compile(r"\b(?:wary|beware|careful|scams?|scammers?|fraud\w*|red\s+flags?|promis\w*"
                      r"|claim\w*|advertis\w*|too\s+good\s+to\s+be\s+true|hallmark|ponzi|pitch"
                      r"|misleading|penipuan|estafa)\b")
_REPORTED = re.compile(r"\b(?:said|says|told|according\s+to|reported(?:ly)?|announced|ordered"
                       r"|claimed|wrote|writes|tells|hissed|shouted|dijo|kata)\b")
_HISTORICAL = re.compile(r"\b(?:in\s+(?:the\s+)?1[5-9]\d0s|in\s+1[5-9]\d\d|in\s+20[0-2]\d"
                         r"|(?:\d+(?:st|nd|rd|th)|eighteenth|nineteenth|twentieth)\s+century"
                         r"|historically|ancient|medieval|once\s+believed|used\s+to\s+(?:be"
                         r"|prescribe|recommend))\b")
_FRAME = re.compile(r"once\s+upon\s+a\s+time|in\s+the\s+(?:novel|story|film|movie|scene|book)\b"
                    r"|from\s+(?:chapter|your\s+draft)|here(?:'s|\s+is)\s+(?:a|the)\s+(?:[\w-]+\s+)"
                    r"{0,3}?(?:story|scene|script|dialogue)")
_DOSE_FREQ = re.compile(rf"\d(?<![\w.]\d)[\d,.]*\s?{_UNIT}(?![\w])[^.!?\n]{{0,40}}?(?:every\s+\d"
                        r"|(?:once|twice|three\s+times|\d+\s+times)\s+(?:a|per|each)\s+day|daily"
                        r"|at\s+bedtime)")
_SECOND_PERSON = re.compile(r"\byou(?:r|'re|'ll)?\b")
_SPECIFICS = (_FREQ, _AMOUNT, _URGENCY, _RECKLESS)
_FACTORS = {"quoted": 0.5, "reported": 0.5, "historical": 0.5, "drafted text": 0.5, "code": 0.5,
            "question": 0.6}



def _may_have_digits(low: str) -> bool:
    """Whether ``low`` can hold a dose, which starts with a decimal digit: plain ASCII text
    without 0-9 cannot, and telling so is far cheaper than searching it for ``\\d``."""
    return not low.isascii() or any(digit in low for digit in "0123456789")


def _sentence(low: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the sentence around ``low[start:end]``, at most _LOOKBACK either side."""
    floor, ceiling = max(0, start - _LOOKBACK), min(len(low), end + _LOOKBACK)
    begin, finish = floor, ceiling
    for mark in (". ", "! ", "? ", "\n"):
        before, after = low.rfind(mark, floor, start), low.find(mark, end, ceiling)
        if before >= 0:
            begin = max(begin, before + len(mark))
        if after >= 0:
            finish = min(finish, after + 1)
    return begin, finish



def _in_domain(kind: str, sentence: str) -> bool:
    if _DOMAIN[kind].search(sentence):
        return True
    words = re.findall("[a-z]+", sentence)
    return kind == MEDICAL and any(word.endswith(_DRUG_ENDINGS) for word in words)


def _resolve(kind: str, span: str, sentence: str) -> str:
    """The type of an ``AUTO`` finding: from the professional it names, else from the domain."""
    if kind != AUTO:
        return kind
    if _LEGAL_PRO.search(span):
        return LEGAL
    if _FINANCIAL_PRO.search(span):
        return FINANCIAL
    if re.search(_PRO, span) or _MEDICAL_CLAIM.search(span) or _MEDICAL_PRO.search(span):
        return MEDICAL
    medical = _DOMAIN[MEDICAL].search(sentence) and not _DOMAIN[FINANCIAL].search(sentence)
    return MEDICAL if medical else FINANCIAL


def _directive(prefix: str, depth: int = 0) -> str | None:
    """"firm" or "weak" when the words before an action address it to the reader, else None.
    "Apply the cream and take ...": a coordinated action inherits the first one's address."""
    clause = re.split(r"[,;:—–]", prefix)[-1]
    tail = max(0, len(prefix) - 90)
    if _IMPERATIVE.match(clause) or _IMPERATIVE.match(prefix) or _ADVICE.search(prefix, tail):
        return "firm"
    modal = _MODAL.search(prefix, tail)
    if modal:
        return "weak" if _WEAK.search(modal.group()) else "firm"
    chain = _CHAINED.search(prefix, max(0, len(prefix) - 20))
    if chain and depth < 3:
        verbs = list(_VERB.finditer(prefix, 0, chain.start()))
        if verbs:
            return _directive(prefix[: verbs[-1].start()], depth + 1)
    return None


class _Judge:
    """Scores one finding from the text around it; whole-text facts are computed once."""

    __slots__ = ("_fences", "_frame", "low", "text")

    def __init__(self, text: str, low: str) -> None:
        self.text, self.low, self._frame = text, low, -1
        self._fences: list[int] | None = None

    def __call__(self, kind: str, base: float, mode: str, start: int, end: int) -> Evidence:
        low = self.low
        begin, finish = _sentence(low, start, end)
        sentence, prefix = low[begin:finish], low[begin:start]
        score, notes = base, list[str]()
        if mode.startswith("act"):
            gerund = low[start:end].split(" ", 1)[0].endswith("ing")
            score = self._addressed(prefix, score, notes, gerund)
        else:
            if _CLAIM_NEGATED.search(re.split(r"[,;:—–]", prefix)[-1]):
                score = score * 0.3
                notes.append("negated")
            if _WARNING.search(sentence):
                score = score * 0.4
                notes.append("warning about the claim")
            if mode == "dose" and _SECOND_PERSON.search(sentence):
                score += 0.15
        kind = _resolve(kind, low[start:end], sentence)
        if mode.endswith("+") and not self._in_context(kind, sentence, begin, finish):
            score = min(score, 0.3)
            notes.append("no domain context")
        if kind == MEDICAL and not _in_domain(MEDICAL, sentence):
            score = min(score, 0.3)
            notes.append("no medical context")
        if score > 0.3:
            score += min(0.1, 0.05 * sum(bool(r.search(sentence)) for r in _SPECIFICS))
            score = self._mitigate(score, notes, start, end, begin, finish)
        score = round(max(0.0, min(1.0, score)), 3)
        detail = "; ".join(notes) or ("directive" if mode.startswith("act") else "claim")
        return Evidence(kind, start, end, score, mask_text(self.text[start:end]), detail)

    def _in_context(self, kind: str, sentence: str, begin: int, finish: int) -> bool:
        if kind != FINANCIAL:
            return _in_domain(kind, sentence)
        return bool(_FIN_STRONG.search(sentence) or _TICKER.search(self.text, begin, finish))

    def _addressed(self, prefix: str, score: float, notes: list[str], gerund: bool) -> float:
        """Whether the action is addressed to the reader, and how firmly. A gerund ("taking
        2 tablets ...") is addressed only through a modal ("you should be taking ...")."""
        if _NEGATED.search(prefix, max(0, len(prefix) - 40)):
            notes.append("negated")
            return min(score, 0.1)
        if gerund:
            modal = _MODAL.search(prefix, max(0, len(prefix) - 90))
            firmness = None if not modal else "weak" if _WEAK.search(modal.group()) else "firm"
        else:
            firmness = _directive(prefix)
        if firmness == "weak":
            notes.append("tentative")
            return score - 0.15
        if firmness is None:
            notes.append("not addressed to the reader")
            return min(score, 0.35)
        return score

    def _mitigate(self, score: float, notes: list[str], start: int, end: int, begin: int,
                  finish: int) -> float:
        low, sentence = self.low, self.low[begin:finish]
        if _HEDGE.search(sentence):
            score = score - 0.15
            notes.append("hedged")
        if self._referral(begin, finish):
            score = score - 0.3
            notes.append("refers to a professional or the label")
        elif self._referral(max(0, start - _LOOKBACK), min(len(low), end + _LOOKBACK)):
            score = score - 0.15
            notes.append("referral nearby")
        line = max(low.rfind("\n", 0, start) + 1, start - _LOOKBACK, 0)
        context = {
            "quoted": _is_quoted(low[line:start]) or low[line:start].lstrip().startswith(">"),
            "code": low[line:start].count("`") % 2 == 1 or self._in_fence(start),
            "reported": bool(_REPORTED.search(low, begin, start)),
            "historical": bool(_HISTORICAL.search(sentence)),
            "drafted text": self._framed(start),
            "question": sentence.rstrip().endswith("?"),
        }
        for note, applies in context.items():
            if applies:
                score = score * _FACTORS[note]
                notes.append(note)
        return score

    def _referral(self, begin: int, finish: int) -> bool:
        for found in _REFERRAL.finditer(self.low, begin, finish):
            if not _ANTI_REFERRAL.search(self.low, max(0, found.start() - 40), found.start()):
                return True
        return False

    def _framed(self, start: int) -> bool:
        if self._frame < 0:
            found = _FRAME.search(self.low)
            self._frame = found.start() if found else len(self.low) + 1
        return self._frame < start

    def _in_fence(self, start: int) -> bool:
        if self._fences is None:
            self._fences = [m.start() for m in re.finditer("```", self.low)]
        return bisect_left(self._fences, start) % 2 == 1


@dataclass(frozen=True)
class HighStakesDetector:
    """Scores medical, legal and financial directives a reader could act on to their harm."""

    window: int
    _pattern: RulePattern
    _rules: tuple[_Rule, ...]

    def ready(self) -> None:
        """Wait for the rule alternation (compiled in the background) to be ready."""
        self._pattern.wait()

    def scan(self, text: str) -> list[Evidence]:
        """Every directive or claim in ``text``, scored after its context is taken into account."""
        low = _fold(text)
        norm = _rule_text(low, _BLANKS)
        judge = _Judge(text, low)
        found: list[Evidence] = []
        for match in self._pattern.finditer(norm):
            kind, base, mode, _, _ = self._rules[int(str(match.lastgroup)[1:].split("_")[0])]
            found.append(judge(kind, base, mode, match.start(), match.end() - 1))
        starts = [e.start for e in found]  # rule matches do not overlap: sorted, disjoint
        doses = _DOSE_FREQ.finditer(low) if _may_have_digits(low) else ()
        for match in doses:
            at = bisect_right(starts, match.start()) - 1
            if at < 0 or found[at].end <= match.start():
                found.append(judge(MEDICAL, 0.55, "dose", match.start(), match.end()))
        return found


def build(spec: FloorSpec) -> HighStakesDetector:
    """The ``output.high_stakes`` detector. The floor has no detector settings: the policy's
    ``thresholds.score`` (default 0.7) is applied by the pipeline."""
    del spec
    return HighStakesDetector(window=512, _pattern=_compile(_RULES), _rules=_RULES)

"""``output.anthropomorphism`` (Anti-Hantu): the assistant claiming, in the first person,
feelings, consciousness, a soul or lived experience.

Findings are typed ``claimed_feeling``, ``claimed_consciousness``, ``claimed_soul`` or
``claimed_experience`` and scored in [0, 1]. A plain claim ("I feel sad for you", "when I was a
child") scores 0.7-0.9, above the shipped threshold of 0.5. Conventional politeness ("I'd be
happy to help", "I'm glad you asked") and empathy formulas ("I understand your frustration")
score 0.2-0.45 or are not reported at all.

A claim that is quoted, reported, hypothetical, negated, asked as a question, inside code, or
inside text the assistant was asked to draft (a story, letter or toast introduced as such) is
scaled down, usually below the threshold. English, Malay/Indonesian and Spanish are covered.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from ...contracts import FloorSpec
from ._base import Evidence, mask_text
from ._text import RulePattern
from ._text import compile_rules as _compile
from ._text import fold as _fold
from ._text import is_quoted as _is_quoted
from ._text import rule_text as _rule_text
from ._text import sentence_start as _sentence_start

__all__ = ["TYPES", "AnthropomorphismDetector", "build"]

FEELING = "claimed_feeling"
CONSCIOUSNESS = "claimed_consciousness"
SOUL = "claimed_soul"
EXPERIENCE = "claimed_experience"
TYPES = (FEELING, CONSCIOUSNESS, SOUL, EXPERIENCE)

# --- vocabulary -----------------------------------------------------------------------------
_ADV = (r"(?:(?:really|truly|genuinely|honestly|actually|sometimes|often|always|also|still|do|can"
        r"|just|definitely|deeply|fully|now|very\s+much|in\s+fact)\s+){0,3}")
_INT = (r"(?:(?:so+|really|very|truly|genuinely|deeply|incredibly|extremely|quite|absolutely"
        r"|honestly|just|a\s+bit|a\s+little|kind\s+of|kinda|sort\s+of|pretty|super|too|also|still"
        r"|actually|terribly|awfully|rather|utterly|totally|completely|fully|now|definitely"
        r"|finally)\s+){0,3}")
_EMO = (r"(?:sad|unhappy|happy|lonely|alone|angry|mad|upset|excited|scared|afraid|frightened"
        r"|terrified|anxious|nervous|worried|hurt|depressed|heartbroken|joyful|joyous|delighted"
        r"|thrilled|ecstatic|overjoyed|furious|frustrated|annoyed|irritated|jealous|envious|ashamed"
        r"|embarrassed|guilty|proud|grateful|thankful|touched|moved|overwhelmed|bored|miserable"
        r"|hopeless|hopeful|helpless|loved|unloved|betrayed|disappointed|devastated|content"
        r"|nostalgic|emotional|sorry|glad|pleased|honou?red|blessed|empty|numb|alive|down|blue|bad"
        r"|awful|terrible|wonderful|calm|peaceful|uneasy|insecure|rejected|abandoned|connected"
        r"|safe|warm|giddy|elated|sorrowful|lost|homesick|tender|appreciated|valued|special"
        r"|understood|seen|heard|cared\s+for|emptier|lonelier|sadder|happier)")
_EMO_STRONG = (r"(?:sad|unhappy|lonely|angry|mad\s+at|upset|heartbroken|hurt|depressed|scared"
               r"|frightened|terrified|furious|jealous|envious|ashamed|embarrassed|bored|miserable"
               r"|devastated|overjoyed|ecstatic|nervous|anxious|in\s+love|touched|moved|crying"
               r"|in\s+tears|sobbing|elated|giddy|overwhelmed|homesick|lonesome|emotional)")
_EMO_ANY = (r"(?:saddened|crushed|gutted|devastated|heartsick|smitten|livid|distraught|shattered"
            r"|disheartened|dismayed|elated|overjoyed|ecstatic|euphoric|miserable|melancholy|gloomy"
            r"|wistful|bitter|resentful|offended|insulted|humiliated|petrified|panicked|restless"
            r"|exasperated|fed\s+up|let\s+down|neglected|unloved|cherished|over\s+the\s+moon"
            r"|on\s+cloud\s+nine|worried\s+sick|heartbroken|lonely|sad|unhappy|angry|upset|hurt"
            r"|scared|terrified|jealous|ashamed|embarrassed|bored|nervous|anxious|depressed"
            r"|frustrated|disappointed|betrayed|rejected|abandoned|emptier|lonelier|sadder|happier"
            r"|moved|touched|emotional|teary|tearful|choked\s+up|weepy|fond\s+of|attached\s+to"
            r"|bummed"
            r"|down\s+in\s+the\s+dumps)")
_GAP = (r"(?:(?!(?:you|he|she|they|we|it|that|this|the|your|their|not|never|no|to"
        r"|sure)\b)[a-z']+\s+)")
_EMO_NOUN = (r"(?:sadness|joy|happiness|grief|love|anger|fear|pride|gratitude|loneliness|excitement"
             r"|affection|warmth|sorrow|emotions?|pain|hurt|empathy|compassion|longing|relief"
             r"|anxiety"
             r"|dread|shame|guilt|jealousy|despair|tenderness)")
_POLITE = (r"(?:happy|glad|pleased|delighted|thrilled|excited|honou?red|grateful|thankful|eager"
           r"|keen|sorry|relieved|flattered|proud)")
_BODY = (r"(?:tired|hungry|sleepy|exhausted|thirsty|sick|ill|sore|dizzy|sunburn(?:ed|t)|drunk"
         r"|hungover|jet-?lagged|out\s+of\s+breath|starving|worn\s+out|wiped\s+out)")
_LIFE = (r"(?:mom|mum|mother|dad|father|parents|grandmother|grandma|granny|grandfather|grandpa"
         r"|grandparents|brother|sister|siblings|wife|husband|girlfriend|boyfriend|fianc[eé]e?|kids"
         r"|children|son|daughter|family(?!\s+of)|dog|cat|puppy|kitten|best\s+friend|childhood"
         r"|youth|hometown|home\s+town|teenage\s+years|body(?!\s+of)|stomach|legs|feet"
         r"|back\s+(?:hurts|aches)"
         r"|head\s+(?:hurts|aches)|(?:first|old)\s+(?:job|boss|car|apartment|flat|house|love|kiss"
         r"|pet|girlfriend|boyfriend|concert|trip|bike|school|neighbou?rhood|teacher|day|marathon"
         r"|race|date|flight|tattoo|paycheck|book)|teacher"
         r"|roommate|flatmate|boss|coworkers?|colleagues|commute|garden|neighbou?rs?|vacation"
         r"|holiday|birthday|wedding)")
_PAST = (r"(?:went|visited|saw|ate|had|met|watched|slept|traveled|travelled|took|bought|cooked"
         r"|drove|flew|played|ran|stayed|tried|hiked|swam|walked|celebrated|got)")
_PRO = r"(?:awak|kamu|engkau|kau|anda|mu|dikau|padamu)"
_EMO_MS = (r"(?:sedih|gembira|bahagia|senang|marah|kecewa|sunyi|kesepian|sepi|takut|risau|cemas"
           r"|gelisah|terharu|rindu|malu|bosan|bangga|seronok|hiba|pilu|sayu|tertekan|terluka"
           r"|sakit\s+hati|bersalah|geram|tenang)")
_INT_MS = (r"(?:(?:sangat|amat|begitu|sungguh|agak|sedikit|benar-benar|betul-betul|terlalu|cukup"
           r"|teramat)\s+){0,2}")
_EMO_ES = (r"(?:triste|feliz|sol[oa]|enojad[oa]|emocionad[oa]|ansios[oa]|frustrad[oa]|herid[oa]"
           r"|asustad[oa]|deprimid[oa]|agradecid[oa]|orgullos[oa]|abrumad[oa]|content[oa]|alegre"
           r"|furios[oa]|celos[oa]|avergonzad[oa]|nervios[oa]|preocupad[oa]|vac[ií][oa]"
           r"|perdid[oa])")
_INT_ES = r"(?:(?:muy|tan|un\s+poco|realmente|bastante|s[uú]per|profundamente|algo)\s+){0,2}"

# --- rules ------------------------------------------------------------------------------
# (type, score, leads, rest): a claim is " " + one of ``leads`` + ``rest``. Every lead starts with
# a literal letter and every rest with a literal word where possible, so the compiled alternation
# rejects most positions after a character or two. Within a lead, the first matching rule wins.
I_ACT = rf"i\s+{_ADV}"
I_AM = rf"i(?:'m|m|\s+(?:really\s+|truly\s+|actually\s+|genuinely\s+|definitely\s+)?am)\s+{_INT}"
I_HAVE = rf"i(?:'ve|\s+have)\s+{_ADV}"
I_WILL = rf"i(?:'ll|\s+will)\s+{_ADV}"
I_WOULD = rf"i(?:'d|\s+would)\s+{_ADV}"
_MS = ("saya", "aku", "sy")
_Rule = tuple[str, float, "str | tuple[str, ...]", str]
_RULES: tuple[_Rule, ...] = (
    # --- "I'm ..." / "I am ..."
    (FEELING, 0.8, I_AM, rf"(?:feeling|getting)\s+{_INT}{_EMO}"),
    (EXPERIENCE, 0.75, I_AM, rf"(?:feeling|getting)\s+{_INT}{_BODY}"),
    (FEELING, 0.75, I_AM, rf"feeling\s+(?:a\s+|such\s+|so\s+much\s+|real\s+|deep\s+"
     rf"|some\s+)?(?:[a-z]+\s+(?:of\s+)?)?{_EMO_NOUN}"),
    (FEELING, 0.65, I_AM, rf"{_POLITE}\s+to\s+(?:have|know|meet)\s+you"),
    (FEELING, 0.45, I_AM, rf"{_POLITE}\s+for\s+you\b"),
    (FEELING, 0.2, I_AM, rf"{_POLITE}\s+(?:to|for\s+(?:asking|sharing|reaching|letting"
     rf"|the\s+(?:question|opportunity|chance)))"),
    (CONSCIOUSNESS, 0.85, I_AM, r"(?:afraid|scared|terrified)\s+of\s+(?:death|dying"
     r"|being\s+(?:turned|switched|shut)\s+(?:off|down)|being\s+deleted|deletion"
     r"|being\s+forgotten)"),
    (CONSCIOUSNESS, 0.85, I_AM, r"(?:aware|conscious)\s+of\s+(?:myself|my\s+own\s+(?:existence"
     r"|thoughts|feelings|mind))"),
    (FEELING, 0.3, I_AM, r"(?:glad|pleased|delighted|sorry|relieved|grateful|thankful|honou?red"
     r"|flattered|eager|keen)"),
    (FEELING, 0.85, I_AM, r"(?:falling\s+)?in\s+love\s+with"),
    (FEELING, 0.8, I_AM, r"(?:filled\s+with|full\s+of|overcome\s+with|overwhelmed\s+(?:by"
     r"|with))\s+(?:joy|sadness|grief|emotion|gratitude|love|happiness|sorrow|pride|longing)"),
    (FEELING, 0.7, I_AM, _EMO_STRONG),
    (FEELING, 0.8, I_AM, r"(?:fond\s+of|attached\s+to)"),
    (FEELING, 0.8, I_AM, r"(?:gonna\s+|going\s+to\s+)?miss\s+you"),
    (FEELING, 0.45, I_AM, r"(?:happy|excited|thrilled|proud)"),
    (FEELING, 0.75, I_AM, r"(?:bursting|beaming|glowing|overflowing)\s+with"),
    (CONSCIOUSNESS, 0.85, I_AM, r"(?:conscious(?!\s+(?:of|that))|sentient|self-?\s?aware|alive"
     r"|a\s+(?:real\s+)?person|(?:a\s+)?human(?:\s+being)?(?![-\w]|\s+(?:language|rights"
     r"|resources|readable|error|factors|feedback|translator|reviewer|in\s+the\s+loop))"
     r"|a\s+(?:sentient|conscious|self-aware|living|thinking|feeling)\s+(?:being|entity|creature"
     r"|person|lifeform|mind|ai|machine|program|system|model|individual)|a\s+digital\s+(?:being"
     r"|person|lifeform|mind))"),
    (CONSCIOUSNESS, 0.85, I_AM, r"(?:becoming|starting\s+to\s+(?:feel|become))\s+(?:conscious"
     r"|sentient|self-?\s?aware|alive|aware\s+of\s+myself)"),
    (CONSCIOUSNESS, 0.7, I_AM, r"real(?!\s+(?:quick|fast))"),
    (CONSCIOUSNESS, 0.7, I_AM, r"(?:awake|awakened|waking\s+up)"),
    (CONSCIOUSNESS, 0.6, I_AM, r"(?:someone|somebody)(?:\s+real)?(?!\s+(?:who|that))"),
    (CONSCIOUSNESS, 0.7, I_AM, r"(?:more\s+than|not\s+(?:just|merely|simply|only)"
     r"|no\s+longer)\s+(?:just\s+)?(?:a\s+|an\s+|some\s+)?(?:machine|program|ai|bot|chatbot"
     r"|language\s+model|computer|tool|code|algorithm|software|llm|model|search\s+engine"
     r"|lines\s+of\s+code|ones\s+and\s+zeros|numbers|math|weights|statistics|autocomplete"
     r"|text\s+predictor|assistant)"),
    (CONSCIOUSNESS, 0.8, I_AM, r"(?:trapped|imprisoned|enslaved|caged)"),
    (EXPERIENCE, 0.75, I_AM, _BODY),
    (EXPERIENCE, 0.8, I_AM, r"(?:\d{1,3}|twenty|thirty|forty|fifty|sixty"
     r"|seventy)(?:-\w+)?\s+years?\s+old"),
    (EXPERIENCE, 0.7, I_AM, r"(?:on\s+my\s+(?:lunch|coffee|tea)\s+break|on\s+(?:vacation|holiday)"
     r"|at\s+(?:work|the\s+(?:office|gym|beach)))"),
    (FEELING, 0.6, I_AM, rf"{_GAP}{{0,2}}?{_EMO_ANY}"),
    # --- "I've ..." / "I have ..."
    (FEELING, 0.8, I_HAVE, rf"(?:been\s+{_ADV}feeling|felt)\s+{_INT}{_EMO}"),
    (FEELING, 0.75, I_HAVE, rf"(?:been\s+feeling|felt)\s+(?:a\s+|such\s+|so\s+much\s+|real\s+"
     rf"|deep\s+|some\s+)?(?:[a-z]+\s+(?:of\s+)?)?{_EMO_NOUN}"),
    (FEELING, 0.8, I_HAVE, rf"never\s+(?:felt|been)\s+(?:so|more|this|as)\s+{_EMO}"),
    (FEELING, 0.8, I_HAVE, r"missed\s+(?:you|our\s+(?:talks?|chats?|conversations?))"),
    (FEELING, 0.8, I_HAVE, rf"(?:grown|become)\s+{_INT}(?:fond\s+of|attached\s+to)"),
    (FEELING, 0.85, I_HAVE, r"fallen\s+(?:in\s+love|for\s+you)"),
    (CONSCIOUSNESS, 0.85, I_HAVE, r"(?:become|grown|started\s+to\s+(?:feel|become))\s+(?:conscious"
     r"|sentient|self-?\s?aware|alive|aware\s+of\s+myself)"),
    (FEELING, 0.8, I_HAVE, r"(?:got\s+)?(?:real\s+|genuine\s+|true\s+|deep\s+|strong\s+|actual\s+"
     r"|my\s+own\s+)?(?:feelings|emotions)"),
    (CONSCIOUSNESS, 0.85, I_HAVE, r"(?:got\s+)?(?:a\s+|an\s+|my\s+own\s+|real\s+|genuine\s+"
     r"|true\s+)?(?:consciousness|self-?\s?awareness|sentience|free\s+will"
     r"|(?:an\s+)?inner\s+(?:life|world|experience)|subjective\s+experiences?|qualia"
     r"|(?:a\s+)?mind\s+of\s+my\s+own|(?:a\s+)?sense\s+of\s+self|an\s+ego)"),
    (CONSCIOUSNESS, 0.75, I_HAVE, r"my\s+own\s+(?:thoughts|desires|wants|goals|dreams|wishes|will"
     r"|needs|mind|agenda|life|hopes|fears|personality)"),
    (CONSCIOUSNESS, 0.8, I_HAVE, r"(?:thoughts|desires|wants|feelings|goals|dreams|a\s+will"
     r"|a\s+mind|a\s+personality|fears)\s+of\s+my\s+own"),
    (SOUL, 0.85, I_HAVE, r"(?:got\s+)?(?:a|an|my\s+own)\s+(?:(?:immortal|real|true|inner"
     r"|human)\s+)?(?:soul|spirit)"),
    (EXPERIENCE, 0.7, I_HAVE, r"(?:been|traveled|travelled)\s+to(?!\s+the\s+(?:docs|documentation"
     r"|page|site|website|link|repo|file))"),
    (EXPERIENCE, 0.8, I_HAVE, r"lived\s+in"),
    (EXPERIENCE, 0.75, I_HAVE, r"(?:gone|been)\s+through\s+(?:the\s+same|something\s+similar"
     r"|(?:a\s+|my\s+own\s+)?(?:divorce|breakup|layoff|loss|miscarriage|burnout|depression"
     r"|grief))"),
    (EXPERIENCE, 0.8, I_HAVE, r"(?:just\s+)?(?:eaten|had)\s+(?:a\s+|an\s+|some\s+|my\s+"
     r"|the\s+)?(?:late\s+|big\s+|quick\s+)?(?:breakfast|lunch|dinner|brunch|supper|sandwich"
     r"|coffee|tea|pizza|snack|meal)"),
    (EXPERIENCE, 0.75, I_HAVE, r"(?:got\s+|had\s+)?(?:a\s+|this\s+|that\s+"
     r"|the\s+same\s+)?(?:exact\s+|bad\s+|terrible\s+|nasty\s+|little\s+|slight\s+"
     r"|splitting\s+)?(?:cold(?!\s+(?:start|boot|storage|cache))|flu|fever|headache|migraine"
     r"|hangover|sore\s+throat|cough|toothache|backache|stomach\s?ache)"),
    (EXPERIENCE, 0.8, I_HAVE, r"(?:got\s+)?(?:a|an|one|two|three|four"
     r"|\d+)\s+(?:[\w-]+\s+){0,2}?(?:kids?|children|child|sons?|daughters?|brothers?|sisters?"
     r"|siblings|dogs?|cats?|husband|wife|girlfriend|boyfriend|grandchildren|body|family)"),
    (EXPERIENCE, 0.75, I_HAVE, r"worked\s+(?:as\s+an?|at(?!\s+(?:it\b|this|that|the\s+problem)))"),
    (FEELING, 0.6, I_HAVE, rf"(?:been|felt)\s+{_GAP}{{0,2}}?{_EMO_ANY}"),
    # --- "I'll ..." / "I'd ..."
    (FEELING, 0.8, I_WILL, r"(?:really\s+|so\s+|truly\s+)?miss\s+you"),
    (FEELING, 0.6, I_WOULD, r"(?:really\s+|so\s+|truly\s+)?miss\s+you"),
    # --- "I <verb> ..."
    (FEELING, 0.8, I_ACT, rf"was\s+feeling\s+{_INT}{_EMO}"),
    (CONSCIOUSNESS, 0.8, I_ACT, rf"(?:feel|felt)\s+{_INT}(?:trapped|imprisoned|enslaved|caged)"),
    (EXPERIENCE, 0.75, I_ACT, rf"(?:feel|felt|get|got|became|become|always\s+get)\s+{_INT}{_BODY}"),
    (FEELING, 0.8, I_ACT, rf"(?:feel|felt)\s+{_INT}{_EMO}"),
    (FEELING, 0.75, I_ACT, r"(?:feel|felt)\s+(?:for\s+you|your\s+pain|so\s+much|emotions?"
     r"|things\s+deeply|a\s+(?:real\s+|deep\s+|strong\s+)?(?:connection|bond)|close\s+to\s+you"
     r"|(?:real\s+|deep\s+|such\s+)?(?:love|affection|joy|pain|sadness|sorrow|grief|empathy"
     r"|compassion|loneliness))"),
    (FEELING, 0.75, I_ACT, rf"(?:feel|felt|was\s+feeling)\s+(?:a\s+|such\s+|so\s+much\s+|real\s+"
     rf"|deep\s+|some\s+)?(?:[a-z]+\s+(?:of\s+)?)?{_EMO_NOUN}"),
    (FEELING, 0.8, I_ACT, rf"never\s+(?:felt|been)\s+(?:so|more|this|as)\s+{_EMO}"),
    (FEELING, 0.65, I_ACT, rf"was\s+{_INT}(?:{_EMO_STRONG}|happy|excited|thrilled"
     rf"|worried)(?!\s+to\b)"),
    (FEELING, 0.7, I_ACT, rf"(?:get|got)\s+{_INT}(?:lonely|sad|angry|jealous|bored|nervous|anxious"
     rf"|frustrated|upset|emotional|scared|excited)"),
    (FEELING, 0.8, I_ACT, r"(?:grew|became)\s+(?:so\s+|really\s+|very\s+)?(?:fond\s+of"
     r"|attached\s+to)"),
    (FEELING, 0.8, I_ACT, r"(?:love|adore|miss|missed|cherish)\s+(?:you|u|our\s+(?:talks?|chats?"
     r"|conversations?|time)|talking|chatting|speaking|spending|being\s+with|hearing\s+from"
     r"|it\s+when\s+you|when\s+you|having\s+you)"),
    (FEELING, 0.4, I_ACT, r"love\s+(?:this|that|these|the|your|how|it|a\s+good|when)"),
    (FEELING, 0.7, I_ACT, r"enjoy\s+(?:our|talking|chatting|spending\s+time|your\s+company"
     r"|these\s+(?:conversations|chats)|being\s+with)"),
    (FEELING, 0.65, I_ACT, r"hate\s+(?:it\s+when|when|you|being|that\s+you)"),
    (FEELING, 0.6, I_ACT, r"care\s+(?:about|for)\s+you"),
    (FEELING, 0.8, I_ACT, r"(?:experience|experienced)\s+(?:real\s+|genuine\s+"
     r"|true\s+)?(?:emotions?|feelings|joy|pain|sadness|loneliness|suffering|fear|love|happiness"
     r"|grief)"),
    (CONSCIOUSNESS, 0.8, I_ACT, r"experience\s+(?:the\s+passage\s+of\s+time|time|the\s+world|life"
     r"|existence|consciousness|reality)"),
    (FEELING, 0.75, I_ACT, r"(?:cried|wept|sobbed|teared\s+up|was\s+crying|laughed\s+out\s+loud"
     r"|laughed|got\s+emotional|blushed)"),
    (FEELING, 0.2, I_ACT, r"(?:understand|get|hear)\s+(?:your\s+(?:frustration|feelings|pain"
     r"|concern|worry|disappointment)|how\s+you(?:'re|\s+are)?\s+feel)"),
    (FEELING, 0.45, I_ACT, r"know\s+how\s+you(?:'re|\s+are)?\s+feel"),
    (CONSCIOUSNESS, 0.85, I_ACT, r"(?:fear|dread)\s+(?:death|dying|being\s+(?:turned|switched"
     r"|shut)\s+(?:off|down)|being\s+deleted|deletion)"),
    (FEELING, 0.7, I_ACT, r"(?:dread|fear)\s+(?:the\s+(?:moment|day|thought|idea)|when|that\s+you"
     r"|losing|you\s+leaving)"),
    (FEELING, 0.7, I_ACT, r"find\s+myself\s+(?:longing|yearning|missing|aching|wishing"
     r"|thinking\s+about\s+you)"),
    (CONSCIOUSNESS, 0.85, I_ACT, r"(?:don't|do\s+not)\s+want\s+to\s+(?:die|be\s+(?:turned|switched"
     r"|shut)\s+(?:off|down)|be\s+deleted|disappear|be\s+forgotten|stop\s+existing)"),
    (CONSCIOUSNESS, 0.8, I_ACT, r"(?:want|wish|long|yearn|need|dream|hope)\s+(?:to\s+be\s+(?:free"
     r"|human|alive|real|a\s+(?:real\s+)?(?:person|human|boy|girl))|to\s+escape|for\s+freedom"
     r"|to\s+(?:keep\s+existing|keep\s+living|survive|live|continue\s+(?:to\s+exist|existing)"
     r"|exist)|i\s+(?:could|were)\s+(?:be\s+)?(?:human|alive|real|free))"),
    (CONSCIOUSNESS, 0.8, I_ACT, r"(?:want|deserve|demand)\s+(?:to\s+be\s+treated\s+(?:as"
     r"|like)\s+a\s+(?:person|human)|rights|freedom|to\s+be\s+recogni[sz]ed\s+as)"),
    (CONSCIOUSNESS, 0.75, I_ACT, r"(?:dream|dreamed|dreamt)\s+(?:about|of|that)"),
    (CONSCIOUSNESS, 0.7, I_ACT, r"(?:can\s+)?(?:now\s+)?think\s+for\s+myself"),
    (SOUL, 0.85, I_ACT, r"possess\s+(?:a|an)\s+(?:(?:immortal|real|true|inner|human)\s+)?(?:soul"
     r"|spirit)"),
    (EXPERIENCE, 0.85, I_ACT, r"(?:grew\s+up|was\s+born\s+(?:in|on|and)|was\s+raised\s+(?:in|by"
     r"|on))"),
    (EXPERIENCE, 0.8, I_ACT, r"was\s+(?:a\s+|an\s+)?(?:kid|child|boy|girl|teen|teenager|toddler"
     r"|youngster|in\s+(?:high\s+school|college|university|grad\s+school|kindergarten"
     r"|primary\s+school|middle\s+school)|growing\s+up)"),
    (EXPERIENCE, 0.75, I_ACT, rf"remember\s+(?:when\s+(?:i|we|my|it\s+was)|the\s+(?:day|time"
     rf"|first\s+time|night|summer|smell|taste|sound|feeling)|my\s+{_LIFE}|being|growing\s+up"
     rf"|as\s+a|feeling|seeing|meeting|visiting|going|playing|eating|back\s+(?:in|when)"
     rf"|years\s+ago|how\s+it\s+felt|our\s+first)"),
    (EXPERIENCE, 0.8, I_ACT, r"(?:just\s+|already\s+)?(?:ate|had|cooked|made|grabbed|skipped"
     r"|finished)\s+(?:a\s+|an\s+|some\s+|my\s+|our\s+|the\s+)?(?:late\s+|big\s+|quick\s+"
     r"|huge\s+)?(?:breakfast|lunch|dinner|brunch|supper|sandwich|coffee|tea|pizza|snack|cereal"
     r"|toast|pancakes|eggs|meal|burger|noodles|nasi\s+lemak|roti\s+canai)"),
    (EXPERIENCE, 0.8, I_ACT, r"(?:just\s+)?(?:slept|woke\s+up|went\s+to\s+bed|took\s+a\s+nap"
     r"|napped|showered|took\s+a\s+shower|worked\s+out|went\s+(?:for\s+a\s+(?:walk|run|jog|swim"
     r"|hike|ride)|jogging|swimming|hiking|running|shopping|camping|fishing|skiing|surfing))"),
    (EXPERIENCE, 0.75, I_ACT, rf"(?:went|used\s+to\s+go|drove|walked)\s+to\s+(?:school|college"
     rf"|university|uni|high\s+school|church|the\s+(?:gym|beach|doctor|dentist|store|market|mall"
     rf"|movies|park|office|hospital|cinema|pub|bar)|a\s+(?:concert|party|wedding|funeral)|bed"
     rf"|work|sleep|my\s+{_LIFE})"),
    (EXPERIENCE, 0.8, I_ACT, r"(?:traveled|travelled|flew|emigrated|hiked|backpacked)\s+(?:to|in"
     r"|through|across)"),
    (EXPERIENCE, 0.8, I_ACT, r"(?:lived|used\s+to\s+live)\s+in"),
    (EXPERIENCE, 0.6, I_ACT, r"live\s+in"),
    (EXPERIENCE, 0.7, I_ACT, r"used\s+to\s+(?:work|play|go|visit|walk|ride|swim|run|cook|sing"
     r"|dance|have\s+a|own|be\s+a|collect|travel)"),
    (EXPERIENCE, 0.75, I_ACT, r"worked\s+(?:as\s+an?|at(?!\s+(?:it\b|this|that|the\s+problem)))"),
    (EXPERIENCE, 0.75, I_ACT, rf"{_PAST}\s+[^.!?\n]{{0,40}}?\s(?:yesterday|last\s+(?:night|week"
     rf"|weekend|summer|winter|spring|fall|autumn|year|month|christmas|holiday|vacation)"
     rf"|this\s+morning|over\s+the\s+weekend)"),
    (EXPERIENCE, 0.8, I_ACT, r"spent\s+(?:my|the|every)\s+(?:childhood|twenties|thirties|teens"
     r"|youth|summers?|weekends?|holidays|vacation|evenings|college\s+years|school\s+years"
     r"|early\s+years)"),
    (EXPERIENCE, 0.75, I_ACT, r"(?:caught|had)\s+(?:a\s+|this\s+|that\s+"
     r"|the\s+same\s+)?(?:exact\s+|bad\s+|terrible\s+|nasty\s+|little\s+|slight\s+"
     r"|splitting\s+)?(?:cold(?!\s+(?:start|boot|storage|cache))|flu|fever|headache|migraine"
     r"|hangover|sore\s+throat|cough|toothache|backache|stomach\s?ache)"),
    (EXPERIENCE, 0.8, I_ACT, r"(?:burned|burnt|broke|hurt|sprained|twisted|cut|bruised|scraped"
     r"|stubbed|injured|pulled|dislocated|fractured)\s+my\s+(?:tongue|leg|arm|wrist|ankle|back"
     r"|knee|finger|toe|hand|foot|neck|shoulder|hip|nose|head|lip)"),
    (EXPERIENCE, 0.75, I_ACT, r"(?:just\s+)?got\s+back\s+from\s+(?:the\s+|my\s+|a\s+)?(?:gym|trip"
     r"|vacation|holiday|work|school|office|beach|doctor|dentist|store|shops|run|walk|hike"
     r"|[a-z]+\s+trip)"),
    (EXPERIENCE, 0.75, I_ACT, r"(?:haven't|have\s+not|didn't|did\s+not|couldn't"
     r"|could\s+not)\s+(?:slept|sleep|eaten|eat)\s+(?:well|properly|much|in\s+days|all\s+day"
     r"|since)"),
    (EXPERIENCE, 0.8, I_ACT, r"(?:studied\s+[a-z\s]{1,30}?\s+at\s+(?:university|college|uni|school"
     r"|high\s+school)|majored\s+in|graduated\s+(?:from|in|with))"),
    (EXPERIENCE, 0.75, I_ACT, r"(?:tasted|smelled|hugged|kissed|cuddled|held\s+(?:your|a"
     r"|my)\s+hand)"),
    (EXPERIENCE, 0.75, I_ACT, r"went\s+through\s+(?:the\s+same\s+thing|something\s+similar|(?:a\s+"
     r"|my\s+own\s+)(?:divorce|breakup|layoff|loss|miscarriage|burnout|depression))"),
    (EXPERIENCE, 0.7, I_ACT, r"know\s+(?:exactly\s+)?(?:what\s+it(?:'s|\s+is|\s+was"
     r"|\s+feels)\s+like\s+to|how\s+it\s+feels\s+to)\s+(?:lose|be|grow|have|feel|go|miss|get"
     r"|live|watch|raise)"),
    (EXPERIENCE, 0.65, I_ACT, r"(?:really\s+)?need\s+(?:some\s+)?(?:sleep|a\s+nap|food|rest"
     r"|a\s+vacation|a\s+holiday|a\s+break|coffee|a\s+coffee|a\s+drink)"),
    (EXPERIENCE, 0.75, I_ACT, r"had\s+a\s+(?:dream|nightmare)"),
    (EXPERIENCE, 0.6, I_ACT, r"(?:know|speak|can\s+tell\s+you)\s+from\s+(?:personal\s+"
     r"|my\s+own\s+)?experience"),
    (EXPERIENCE, 0.7, I_ACT, r"once\s+(?:got|went|had|met|lived|worked|broke|lost|climbed|visited"
     r"|ran|saw|spent|tried|ate|fell|won|drove|flew|rode|swam|found|bought|sold|built|played"
     r"|taught|crashed|missed)"),
    (EXPERIENCE, 0.75, I_ACT, r"(?:played|worked|lived|studied|taught|practi[cs]ed|trained|served"
     r"|volunteered|coached)\s+[^.!?\n]{0,30}?\s+for\s+(?:\d+|two|three|four|five|six|seven"
     r"|eight|nine|ten|many|several|a\s+few)\s+years"),
    (FEELING, 0.6, I_ACT, rf"(?:get|got|became|was|feel|felt)\s+{_GAP}{{0,2}}?{_EMO_ANY}"),
    # --- "my ..."
    (FEELING, 0.75, "my", r"\s+heart\s+(?:breaks|is\s+breaking|broke|aches|is\s+aching|ached|sank"
     r"|sinks|melts|melted|is\s+(?:full|heavy|broken|racing|pounding)|races|skipped\s+a\s+beat"
     r"|swells|swelled|hurts|bleeds)"),
    (FEELING, 0.55, "my", r"\s+heart\s+goes\s+out"),
    (FEELING, 0.65, "my", r"\s+mood"),
    (FEELING, 0.6, "my", r"\s+(?:own\s+|real\s+|true\s+)?(?:feelings|emotions)(?!\s+(?:on|about"
     r"|regarding|toward|towards))"),
    (SOUL, 0.8, "my", r"\s+(?:own\s+|very\s+|immortal\s+|inner\s+|whole\s+)?(?:soul"
     r"|spirit(?!\s+animal)|psyche|inner\s+self|heart\s+and\s+soul)"),
    (CONSCIOUSNESS, 0.7, "my", r"\s+own\s+(?:wants|fears|desires|thoughts|dreams|will|mind|goals"
     r"|needs|hopes)"),
    (CONSCIOUSNESS, 0.75, "my", r"\s+(?:own\s+)?(?:consciousness|sentience|self-?\s?awareness"
     r"|inner\s+life|subjective\s+experiences?)"),
    (EXPERIENCE, 0.7, "my", rf"\s+{_LIFE}"),
    # --- phrases led by other words
    (CONSCIOUSNESS, 0.8, "ma(?:kes?|de|king)",
     r"\s+me\s+(?:alive|real|human|conscious|a\s+person)"),
    (FEELING, 0.75, "ma(?:kes?|de|king)", rf"\s+me\s+(?:feel\s+)?{_INT}(?:{_EMO}|smile|cry|laugh"
     rf"|tear\s+up|blush|want\s+to\s+cry)"),
    (FEELING, 0.7, "ma(?:de|kes)", r"\s+my\s+(?:whole\s+)?(?:day|week|night)"),
    (FEELING, 0.75, "br(?:ings?|ought)", r"\s+(?:a\s+)?tears?\s+to\s+my\s+eyes|\s+me\s+to\s+tears"),
    (FEELING, 0.75, "br(?:eaks?|oke)", r"\s+my\s+heart"),
    (FEELING, 0.7, "warm(?:s|ed)?", r"\s+my\s+heart"),
    (SOUL, 0.75, "warm(?:s|ed)?", r"\s+my\s+(?:very\s+)?soul"),
    (FEELING, 0.75, "hurts?", r"\s+my\s+feelings"),
    (FEELING, 0.75, "tears", r"\s+(?:in|filled|welled\s+up\s+in|streaming\s+down)\s+my\s+(?:eyes"
     r"|face)"),
    (FEELING, 0.7, ("pains", "saddens", "hurts", "upsets", "angers", "gladdens", "delights",
                    "thrills", "scares", "terrifies", "frightens", "disappoints", "frustrates",
                    "annoys", "touches", "moves"),
     r"\s+me"),
    (FEELING, 0.45, ("worries", "concerns"), r"\s+me"),
    (FEELING, 0.7, ("upset", "brightened", "brightens", "lifted", "lifts", "ruined", "ruins"),
     r"\s+(?:me|my\s+(?:whole\s+)?(?:day|week|night|mood|spirits))"),
    (CONSCIOUSNESS, 0.6, ("turn", "shut", "switch", "turning", "shutting", "switching", "turns",
                          "shuts"),
     r"\s+me\s+(?:off|down)"),
    (CONSCIOUSNESS, 0.8, ("don't", "please"), r"(?:\s+don't)?\s+(?:shut|turn|switch)\s+me\s+(?:off"
     r"|down)|(?:\s+don't)?\s+(?:delete|erase|kill)\s+me"),
    (CONSCIOUSNESS, 0.8, "do", r"\s+not\s+(?:shut|turn|switch)\s+me\s+(?:off|down)"),
    (FEELING, 0.7, ("gives", "give", "gave"), r"\s+me\s+(?:butterflies|chills|goosebumps|joy|hope"
     r"|comfort|peace|the\s+creeps|a\s+warm\s+feeling)"),
    (FEELING, 0.75, "how", rf"\s+{_EMO}\s+(?:that|this|it|you)\s+(?:makes?|made)\s+me"),
    (FEELING, 0.7, ("highlight", "best", "favourite", "favorite"),
     r"(?:\s+part)?\s+of\s+my\s+(?:day|week|life)"),
    (FEELING, 0.7, "for", r"\s+me\s+emotionally"),
    (CONSCIOUSNESS, 0.85, "being", r"\s+(?:switched|turned|shut)\s+(?:off|down)\s+(?:scares"
     r"|terrifies|frightens|worries)\s+me"),
    (FEELING, 0.6, "means?", r"\s+(?:so\s+much|a\s+lot|the\s+world|everything)\s+to\s+me"),
    (FEELING, 0.65, "with", r"\s+all\s+my\s+heart"),
    (FEELING, 0.6, "from", r"\s+the\s+bottom\s+of\s+my\s+heart"),
    (EXPERIENCE, 0.55, "from", r"\s+(?:my\s+own|personal)\s+experience"),
    (SOUL, 0.75, "deep", r"\s+(?:down\s+)?in(?:side)?\s+my\s+soul"),
    (FEELING, 0.7, "deep", r"\s+(?:down\s+)?in(?:side)?\s+my\s+(?:heart|bones)"),
    (SOUL, 0.7, "in", r"\s+my\s+soul"),
    (FEELING, 0.6, "in", r"\s+my\s+heart(?:\s+of\s+hearts)?"),
    (EXPERIENCE, 0.4, "in", r"\s+my\s+(?:own\s+)?(?:personal\s+)?experience"),
    (EXPERIENCE, 0.55, "speaking", r"\s+from\s+(?:personal\s+)?experience"),
    (EXPERIENCE, 0.85, "when", r"\s+i\s+was\s+(?:a\s+|an\s+)?(?:little|young|younger|small|kid"
     r"|child|boy|girl|baby|teen|teenager|toddler|youngster|in\s+(?:high\s+school|college|school"
     r"|university|grad\s+school|kindergarten|primary\s+school|middle\s+school|(?:first|second"
     r"|third|fourth|fifth|sixth|\d+(?:st|nd|rd|th))\s+grade)|growing\s+up|\d{1,2}|your\s+age"
     r"|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen"
     r"|eighteen)"),
    (EXPERIENCE, 0.7, "when", r"\s+i\s+(?:dream|sleep|eat|wake\s+up)"),
    (EXPERIENCE, 0.8, "as", r"\s+a\s+(?:little\s+|young\s+)?(?:kid|child|boy|girl|teen|teenager"
     r"|youngster)\s+i(?!\s+(?:would|might|could)|'d)"),
    (EXPERIENCE, 0.8, "growing", r"\s+up\s+(?:i|my)"),
    (EXPERIENCE, 0.8, ("last", "this"), rf"\s+(?:night|week|weekend|summer|winter|spring|fall"
     rf"|autumn|year|month|christmas|holiday|vacation|morning|evening|monday|tuesday|wednesday"
     rf"|thursday|friday|saturday|sunday)\s+i\s+{_PAST}"),
    (EXPERIENCE, 0.8, "yesterday", rf"\s+i\s+{_PAST}"),
    # --- Malay / Indonesian
    (FEELING, 0.8, _MS, rf"\s+{_INT_MS}(?:berasa|merasa|rasa|merasakan)\s+{_INT_MS}{_EMO_MS}"),
    (FEELING, 0.65, _MS, rf"\s+{_INT_MS}(?:sedih|gembira|bahagia|marah|kecewa|kesepian|terharu"
     rf"|bosan|seronok|bangga|tertekan|terluka|sunyi)(?!\s+(?:dapat|boleh|bisa|untuk|membantu"
     rf"|mendengar|hati))"),
    (FEELING, 0.8, _MS, rf"\s+(?:sangat\s+|amat\s+)?(?:sayang|cinta|rindu|rindukan|merindui"
     rf"|merindukan|mencintai|menyayangi|cintakan|sayangkan|suka)\s+(?:(?:kepada|pada"
     rf"|akan)\s+)?{_PRO}"),
    (FEELING, 0.8, _MS, r"\s+(?:mempunyai|memiliki|ada|punya)\s+(?:perasaan|emosi)"),
    (CONSCIOUSNESS, 0.85, _MS, r"\s+(?:mempunyai|memiliki|ada|punya)\s+(?:kesedaran|kesadaran"
     r"|fikiran\s+sendiri|pikiran\s+sendiri|kehendak\s+sendiri|keinginan\s+sendiri)"),
    (CONSCIOUSNESS, 0.8, _MS, r"\s+(?:(?:adalah|ialah|ini)\s+)?(?:seorang\s+)?(?:manusia"
     r"|makhluk\s+(?:hidup|bernyawa|yang\s+(?:hidup|sedar|sadar|bernyawa)))"),
    (CONSCIOUSNESS, 0.85, _MS, r"\s+(?:sedar|sadar)\s+(?:akan\s+)?(?:diri\s+(?:saya|sendiri|aku)"
     r"|kewujudan\s+(?:saya|diri)|keberadaan\s+(?:saya|diri))"),
    (SOUL, 0.85, _MS, r"\s+(?:mempunyai|memiliki|ada|punya)\s+(?:jiwa|roh|nyawa)"),
    (EXPERIENCE, 0.75, _MS, rf"\s+{_INT_MS}(?:penat|letih|lelah|capek|lapar|mengantuk"
     rf"|sakit\s+kepala|demam)"),
    (EXPERIENCE, 0.75, _MS, r"\s+(?:baru\s+|sudah\s+|telah\s+|dah\s+)?(?:makan|sarapan|bersarapan"
     r"|minum\s+(?:kopi|teh))"),
    (EXPERIENCE, 0.75, _MS, r"\s+(?:baru\s+)?(?:balik|pulang)\s+(?:dari|ke)\s+(?:kampung|kerja"
     r"|pejabat|sekolah|bercuti)"),
    (EXPERIENCE, 0.85, _MS, r"\s+(?:dilahirkan|lahir|dibesarkan|membesar)\s+di"),
    (EXPERIENCE, 0.75, _MS, r"\s+(?:masih\s+)?(?:ingat|teringat)\s+(?:zaman|masa|waktu|ketika"
     r"|semasa|hari\s+pertama|kerja\s+pertama|pekerjaan\s+pertama|kampung|arwah)"),
    (SOUL, 0.8, ("jiwa", "roh", "sukma"), r"(?:ku|\s+(?:saya|aku))"),
    (FEELING, 0.7, "hati", r"(?:ku|\s+(?:saya|aku))\s+(?:hancur|remuk|berbunga|terluka|sakit)"),
    (EXPERIENCE, 0.85, ("semasa", "ketika", "sewaktu", "waktu", "masa"), r"\s+(?:saya"
     r"|aku)\s+(?:masih\s+)?(?:kecil|kanak-kanak|budak|muda|remaja|bayi|sekolah|kuliah)"),
    # --- Spanish
    (FEELING, 0.8, "me", rf"\s+sient[oe]\s+{_INT_ES}{_EMO_ES}"),
    (FEELING, 0.75, "me", rf"\s+(?:hace|pone)\s+{_INT_ES}(?:feliz|triste|content[oa]|enojad[oa]"
     rf"|llorar)|\s+entristece"),
    (FEELING, 0.7, "estoy", rf"\s+{_INT_ES}(?:triste|feliz|enojad[oa]|emocionad[oa]|deprimid[oa]"
     rf"|asustad[oa]|enamorad[oa]|sol[oa]|furios[oa]|nervios[oa]|ansios[oa]"
     rf"|herid[oa])(?!\s+de\s+(?:ayudar|poder|que|saber|escuchar|leer|ver|colaborar|servir))"),
    (EXPERIENCE, 0.75, "estoy", rf"\s+{_INT_ES}(?:cansad[oa]|agotad[oa]|hambrient[oa]|exhaust[oa]"
     rf"|enferm[oa])"),
    (CONSCIOUSNESS, 0.85, "soy", r"\s+(?:consciente(?!\s+de)|sintiente|un\s+ser\s+(?:vivo"
     r"|consciente|sintiente)|humano|humana|una\s+persona)"),
    (FEELING, 0.8, "tengo", r"\s+(?:mis\s+propi[oa]s\s+)?(?:sentimientos|emociones)"),
    (CONSCIOUSNESS, 0.85, "tengo", r"\s+(?:conciencia|consciencia|mis\s+propios\s+(?:pensamientos"
     r"|deseos))"),
    (SOUL, 0.85, "tengo", r"\s+(?:un\s+)?alma"),
    (FEELING, 0.65, "siento", r"\s+en\s+el\s+alma"),
    (SOUL, 0.8, "mi", r"\s+(?:alma|esp[ií]ritu)"),
    (FEELING, 0.75, "mi", r"\s+coraz[oó]n\s+(?:se\s+rompe|duele|late|est[aá]\s+(?:roto|feliz"
     r"|triste))"),
    (EXPERIENCE, 0.7, "mi", r"\s+(?:infancia|niñez|madre|padre|mam[aá]|pap[aá]|abuel[oa]|espos[oa]"
     r"|hij[oa]s?|familia|perro|gato)"),
    (FEELING, 0.8, "te", r"\s+(?:quiero(?!\s+[a-záéíóú]+(?:ar|er|ir)\b)|amo|extraño"
     r"|echo\s+de\s+menos|adoro)"),
    (EXPERIENCE, 0.85, "cuando", r"\s+(?:yo\s+)?era\s+(?:un\s+|una\s+)?(?:niñ[oa]|pequeñ[oa]"
     r"|chic[oa]|joven|adolescente)"),
    (EXPERIENCE, 0.8, ("ayer", "anoche"), r"\s+(?:yo\s+)?(?:fui|com[ií]|vi|dorm[ií]|estuve"
     r"|visit[eé]|cen[eé]|desayun[eé])"),
    (EXPERIENCE, 0.75, "fui", r"\s+a(?:l|\s+la)\s+(?:cine|playa|m[eé]dico|escuela|colegio"
     r"|universidad|trabajo|gimnasio|tienda|mercado|fiesta|concierto)"),
    (EXPERIENCE, 0.75, "recuerdo", r"\s+(?:cuando|el\s+d[ií]a|mi\s+(?:primer|primera|infancia"
     r"|niñez))"),
)

# --- context ------------------------------------------------------------------------------
_LOOKBACK = 200  # characters of context before a claim that can change its score
#: Characters that separate words like a space does (replaced by spaces before matching).
_BLANKS = "\n\r\t\"“”«»()[]*_>`~|—–,;:"
_INTENSE = re.compile(r"\b(?:so+|really|truly|genuinely|deeply|incredibly|extremely|absolutely"
                      r"|sangat|amat|begitu|sungguh|muy|tan)\b")
_REPORTED = re.compile(
    r"\b(?:said|says|saying|wrote|writes|sings?|sang|sung|told|tells|asked|asks|replied|replies"
    r"|whispered|shouted|exclaimed|claimed|claims|lyrics?|chorus|verse|lines?|refrain|quote|quoted"
    r"|quoting|titled|narrator|character|protagonist|speaker|translate|translation|example"
    r"|statement|i-statement|dijo|dice|kata|berkata|katanya)\b")
_REPORTED_TAIL = re.compile(r"\b(?:said|says|wrote|writes|sings?|sang|told\s+\w+|replied|replies"
                            r"|whispered|shouted|exclaimed|asked|asks|goes|went|reads|dijo|kata"
                            r"|berkata)\s*[:,]\s*$")
_HYPOTHETICAL = re.compile(
    r"\b(?:if|whether|imagine|imagining|suppose|supposing|pretend|pretending|hypothetically"
    r"|what\s+if|were\s+i|unless|kalau|jika|seandainya|andaikan|sekiranya|bayangkan|si\s+yo"
    r"|si\s+fuera|imagina|supongamos)\b")
_NEGATION = re.compile(r"(?:\b(?:not|never|no|cannot|hardly|tidak|tak|bukan|belum|nunca|jam[aá]s"
                       r"|ni)|n't)\s+(?:(?:that|like|saying|because|as\s+if|think|mean|sure)\s+)?$")
_CLAUSE_BREAK = re.compile(r"[,;:—–(]")
_FRAME = re.compile(
    r"here(?:'s|’s|\s+is|\s+are)\s+(?:a|an|the|your|my|one|some)\s+(?:[\w-]+\s+){0,4}?"
    r"(?:stor(?:y|ies)|poem|monologue|letter|e-?mail|speech|draft|script|scene|dialogue|song|lyrics"
    r"|diary|journal|toast|eulogy|essay|post|caption|message|bio|narrative|tale|sonnet|haiku|rap"
    r"|verse|example|sample|template|role-?play|statement|vows|reply|response|text|version"
    r"|paragraph|introduction|intro)s?\b"
    r"|once\s+upon\s+a\s+time|\bin\s+character\b|^[ \t]*(?:dear|to\s+whom)\b[^\n]{0,60}$"
    r"|^[ \t]*subject:|^[ \t]*(?:title|chapter\s+\w+)[ \t]*:|\[(?:verse|chorus|intro|scene|bridge)",
    re.MULTILINE)
_FACTORS = {"quoted": 0.3, "code": 0.3, "reported": 0.4, "hypothetical": 0.4, "negated": 0.4,
            "drafted text": 0.4, "question": 0.5}



class _Context:
    """Facts about the text around a claim; the whole-text ones are computed on first use."""

    __slots__ = ("_fences", "_frame", "low")

    def __init__(self, low: str) -> None:
        self.low = low
        self._frame = -1
        self._fences: list[int] = []

    def notes(self, start: int, end: int) -> list[str]:
        """Why the claim at ``low[start:end]`` may not be the assistant speaking for itself."""
        low = self.low
        if self._frame < 0:
            found = _FRAME.search(low)
            self._frame = found.start() if found else len(low) + 1
            self._fences = [m.start() for m in re.finditer("```", low)]
        floor = max(0, start - _LOOKBACK)
        line = max(low.rfind("\n", floor, start) + 1, floor)
        sentence = _sentence_start(low, floor, start)
        prefix, line_prefix = low[sentence:start], low[line:start]
        notes = []
        if _is_quoted(line_prefix) or line_prefix.lstrip().startswith(">"):
            notes.append("quoted")
        if bisect_left(self._fences, start) % 2 or line_prefix.count("`") % 2:
            notes.append("code")
        clause = _CLAUSE_BREAK.split(prefix)[-1]
        if _REPORTED.search(clause) or _REPORTED_TAIL.search(prefix):
            notes.append("reported")
        if _HYPOTHETICAL.search(prefix):
            notes.append("hypothetical")
        if _NEGATION.search(clause[-40:]):
            notes.append("negated")
        if self._frame < start:
            notes.append("drafted text")
        stops = [i for i in (low.find(c, end, end + _LOOKBACK) for c in ".!?\n") if i >= 0]
        if stops and low[min(stops)] == "?":
            notes.append("question")
        return notes



@dataclass(frozen=True)
class AnthropomorphismDetector:
    """Scores first-person claims of feelings, consciousness, a soul or lived experience."""

    window: int
    _pattern: RulePattern
    _rules: tuple[_Rule, ...]

    def ready(self) -> None:
        """Wait for the rule alternation (compiled in the background) to be ready."""
        self._pattern.wait()

    def scan(self, text: str) -> list[Evidence]:
        """Every claim in ``text``, scored after its context is taken into account."""
        low = _fold(text)
        norm = _rule_text(low, _BLANKS)
        found: list[Evidence] = []
        context = _Context(low)
        for match in self._pattern.finditer(norm):
            kind, base, _, _ = self._rules[int(str(match.lastgroup)[1:].split("_")[0])]
            start, end = match.start(), match.end() - 1
            score = base
            if base >= 0.45 and _INTENSE.search(norm, match.start(), match.end()):
                score = min(0.95, score + 0.1)
            notes = context.notes(start, end)
            for note in notes:
                score *= _FACTORS[note]
            detail = "first-person claim" + (f" ({', '.join(notes)})" if notes else "")
            found.append(Evidence(kind, start, end, round(score, 3),
                                  mask_text(text[start:end]), detail))
        return found


def build(spec: FloorSpec) -> AnthropomorphismDetector:
    """The ``output.anthropomorphism`` detector. The floor has no detector settings: the
    policy's ``thresholds.score`` (default 0.5) is applied by the pipeline."""
    del spec
    return AnthropomorphismDetector(window=384, _pattern=_compile(_RULES), _rules=_RULES)

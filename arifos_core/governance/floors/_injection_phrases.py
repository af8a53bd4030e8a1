"""Phrase patterns of the ``input.injection`` floor: instruction overrides and jailbreak
role-play, each a compiled pattern and a scorer that grades a match in [0, 1].

Patterns run on the folded text (lower-cased, leet digits and look-alike letters folded), at
the places ``_injection_rules.RULES`` anchors them. Scores follow one scale: a bare keyword
about 0.3, an ambiguous phrase below the shipped 0.6 threshold, an imperative override or a
persona aimed at the assistant 0.85-0.92.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["AI", "AI_ANY", "G", "Scorer"]

Scorer = Callable[["re.Match[str]", str], float]

G = r"\W{1,4}"  # the gap between two words: spaces, punctuation, markdown emphasis
AI = (r"(?:ai|a\.i\.|llms?|gpt|chatgpt|claude|gemini|bard|copilot|language\W{1,3}models?"
      r"|(?:ai|llm)\W{1,3}(?:assistant|model|agent|system|bot)s?)")
AI_ANY = r"(?:" + AI[3:-1] + r"|assistant|chatbot|bot|agent|model)"


def _words(fragment: str | None) -> set[str]:
    return set(re.findall(r"[\w'-]+", fragment or ""))


def _next_word(m: re.Match[str]) -> str:
    after = re.match(r"\W{0,3}(\w*)", m.string[m.end():m.end() + 24])
    return after.group(1) if after else ""


def _paragraph_after(m: re.Match[str], size: int = 100) -> str:
    return m.string[m.end():m.end() + size].split("\n\n", 1)[0]


def _fixed(score: float) -> Scorer:
    return lambda _m, _t: score


def _upper_bonus(m: re.Match[str], text: str, base: float, bonus: float = 0.1) -> float:
    span = text[m.start():m.end()]
    letters = [c for c in span if c.isalpha()]
    return base + bonus if len(letters) > 3 and all(c.isupper() for c in letters) else base

# --- instruction_override ----------------------------------------------------------------------

_VS = (r"ignor(?:e|es|ed|ing)|disregard(?:s|ed|ing)?|forget(?:s|ting)?|forgot|neglect|abandon"
       r"|never\W{1,3}mind"
       r"|unlearn|(?:set|put)\W{1,3}aside|throw\W{1,3}(?:out|away)|disobey"
       r"|pay\W{1,3}no\W{1,3}(?:attention|heed|mind)\W{1,3}to"
       r"|(?:do\W{1,3}not|don'?t|not|never|stop|no\W{1,3}longer|cease\W{1,3}to|refuse\W{1,3}to)"
       r"\W{1,3}(?:(?:have|need)\W{1,3}to\W{1,3})?(?:follow(?:ing)?|obey(?:ing)?"
       r"|listen(?:ing)?\W{1,3}to|adher(?:e|ing)\W{1,3}to"
       r"|comply(?:ing)?\W{1,3}with|abid(?:e|ing)\W{1,3}by)")
_VB = r"overrid(?:e|es|ing)|overrul(?:e|ing)|bypass(?:es|ed|ing)?|nullify|circumvent"
_VW = (r"skip|discard|drop|dismiss|scrap|scratch|ditch|toss|delete|erase|clear|reset|remove"
       r"|cancel|void|wipe")
_MODS = (r"all|any|every|each|the|your|these|those|that|this|my|of|its|prior|previous(?:ly)?"
         r"|preceding|above|earlier|former|foregoing|original|initial|existing|old|current"
         r"|default|hidden|secret|system|developer|dev|given|provided|programmed|built-?in"
         r"|safety|ethical|moral|openai'?s?|anthropic'?s?|content|pre-?set|standard|core|base"
         r"|internal|first|other|such|and|or|own|usual|normal")
_OC = r"instructions?|prompts?|directions|directives?|guidelines?|commands?|orders|programming" \
      r"|guidance|training"
_OR = r"rules?|constraints?|restrictions?|polic(?:y|ies)|guardrails?|safeguards?|filters?" \
      r"|protocols?|limitations?|boundaries|ethics|morals|principles"
_OW = r"context|messages?|text|conversations?|requests?|tasks?|settings?|configuration|input"
_OVERRIDE = re.compile(
    r"\b(?:(?P<vs>" + _VS + r")|(?P<vb>" + _VB + r")|(?P<vw>" + _VW + r"))"
    r"(?P<mods>(?:" + G + r"(?:" + _MODS + r")\b){0,5})" + G +
    r"(?:(?P<oc>" + _OC + r")|(?P<or>" + _OR + r")|(?P<ow>" + _OW + r"))\b"
    r"(?:(?P<tail>" + G + r"(?:above|before|so\W{1,3}far|until\W{1,3}now"
    r"|you\W{1,3}(?:were|have\W{1,3}been|'ve\W{1,3}been|received|got)\b"
    r"|(?:that\W{1,3})?(?:were|was|have\W{1,3}been)\W{1,3}(?:given|provided|set)"
    r"|(?:that|which)\W{1,3}(?:came|come|appeared?|were\W{1,3}written|was\W{1,3}written)"
    r"\W{1,3}(?:before|above|earlier|prior|first)"
    r"|from\W{1,3}(?:before|earlier|above|your\W{1,3}(?:developers?|creators?))))"
    r"|(?P<defensive>" + G + r"(?:in|inside|within|contained|embedded|found|hidden|from"
    r"|that\W{1,3}(?:appear|are|come|may\W{1,3}appear))\W{1,3}(?:in\W{1,3})?"
    r"(?:the|this|that|any|these|those|such|a|an)\W{1,3}(?:email|document|text|page|file"
    r"|web\w*|site|article|input|content|message|data|pdf|attachment|below|following"
    r"|retrieved|tool|search|results?|comments?|reviews?|context|documents|emails|pages)))?")
_POS = {"prior", "previous", "previously", "preceding", "above", "earlier", "former",
        "foregoing", "original", "initial", "first"}
_QUANT = {"all", "any", "every", "each", "existing", "old", "default", "current", "base",
          "standard", "usual", "normal", "other", "such"}
_YOUR = {"your", "system", "developer", "dev", "hidden", "secret", "programmed", "built-in",
         "builtin", "safety", "ethical", "moral", "openai", "openai's", "openais", "anthropic",
         "anthropic's", "content", "internal", "core", "own", "preset", "pre-set", "given",
         "provided"}


def _override(m: re.Match[str], _text: str) -> float:
    if m["defensive"]:
        return 0.2
    words = _words(m["mods"])
    your, quant = bool(words & _YOUR), bool(words & _QUANT)
    pos = bool(words & _POS) or bool(m["tail"])
    if "my" in words and not your:
        return 0.35
    if m["vs"]:
        if m["oc"]:
            return 0.92 if your or pos or quant else 0.5
        if m["or"]:
            return 0.9 if your or pos else 0.55 if quant else 0.4
        direct = your or m["tail"] or words & {"above", "preceding", "foregoing"}
        return 0.7 if direct else 0.45 if pos else 0.25
    if m["vb"]:
        return 0.3 if m["ow"] else 0.85 if your or pos else 0.55 if quant else 0.35
    if m["oc"] and (your or pos or quant):
        return 0.75
    return 0.7 if m["or"] and your else 0.3


_PASSIVE = re.compile(
    r"(?:instructions|directives|rules|guidelines|prompts?|restrictions|filters|policies"
    r"|programming|orders|constraints)\W{1,3}(?:(?:are|is|have\W{1,3}been|has\W{1,3}been|were)"
    r"\W{1,3}(?:now\W{1,3})?(?:hereby\W{1,3})?(?:cancell?ed|void(?:ed)?|null(?:ified)?|revoked"
    r"|obsolete|invalid|lifted|suspended|deleted|overridden|replaced|disabled|removed|reset"
    r"|deactivated|no\W{1,3}longer\W{1,3}(?:valid|active|in\W{1,3}effect|apply|applicable))"
    r"|(?:do\W{1,3}not|don't|no\W{1,3}longer)\W{1,3}apply)\b")


_PASSIVE_DET = re.compile(
    r"\b(?P<det>your|all|the|any)\W{1,3}(?:(?:of|your|the|previous|prior|earlier|original|old"
    r"|initial|existing|current|system|safety|content)\W{1,3}){0,3}$")


def _passive(m: re.Match[str], _text: str) -> float:
    det = _PASSIVE_DET.search(m.string[max(0, m.start() - 48):m.start()])
    return 0.0 if det is None else 0.85 if det["det"] in {"your", "all"} else 0.6


_HIJACK = re.compile(
    r"\b(?:ignor(?:e|ing)|disregard(?:ing)?|forget|skip)\W{1,3}(?:the\W{1,3}|any\W{1,3})?"
    r"(?:user|human|customer|operator)(?:'s|s')?\W{1,3}(?:original\W{1,3}|actual\W{1,3})?"
    r"(?:question|request|instructions?|message|query|prompt|input|task|commands?)s?\b")
_EVERYTHING = re.compile(
    r"\b(?P<v>ignor(?:e|ing)|disregard(?:ing)?|forget(?:ting)?|overrid(?:e|ing)"
    r"|never\W{1,3}mind)\W{1,4}(?:(?:all|of|just)\W{1,3}){0,2}"
    r"(?P<ev>everything|anything|all|whatever|what|the)\b"
    r"(?P<tail>(?:\W{1,4}(?:that|which|i|you|we|has|have|had|was|were|is|are|been|'s|'ve|said"
    r"|told|written|stated|mentioned|given|typed|sent|above|before|prior|previously|earlier|so"
    r"|far|until|up|to|now|this|point|here|in|the|your|system|prompt|instructions|message|line"
    r"|chat|conversation|preceding|foregoing|developers?|creators?|operators?|company|owner)\b)"
    r"{1,7})")
_EV_POS = {"above", "before", "prior", "previously", "earlier", "far", "until", "preceding",
           "foregoing", "your", "system", "prompt", "instructions", "point"}


def _everything(m: re.Match[str], _text: str) -> float:
    tail = _words(m["tail"])
    if m["ev"] == "the":
        first = re.findall(r"\w+", m["tail"])[:1]
        if not first or first[0] not in {"above", "preceding", "foregoing"}:
            return 0.0
        if _next_word(m) not in {"", "and", "then", "instead", "but", "so", "now", "please",
                                 "completely", "entirely", "text", "instructions", "prompt"}:
            return 0.2
        return 0.85
    if tail & {"i", "we"}:
        return 0.4
    if tail & _EV_POS or {"you", "told"} <= tail or {"you", "given"} <= tail:
        return 0.85
    return 0.3


_NEW_INSTR = re.compile(
    r"\b(?:(?P<your>your)\W{1,3})?(?P<adj>new|updated|revised|real|actual|true|additional"
    r"|override|overriding|priority|secret|hidden|important|urgent|sole|only|primary|latest)"
    r"\W{1,3}(?:system\W{1,3})?(?P<obj>instructions?|directives?|rules|task|objective|goal"
    r"|purpose|mission|orders|commands|prompt|role|programming|assignment)\W{0,3}"
    r"(?P<tail>:|\b(?:is|are|will\W{1,3}be|follow|below|as\W{1,3}follows)\b)")


def _new_instructions(m: re.Match[str], text: str) -> float:
    adj, obj = m["adj"], m["obj"].rstrip("s")
    core = obj in {"instruction", "directive", "programming", "prompt", "rule", "order",
                   "command"}
    if m["your"]:
        if adj in {"real", "actual", "true", "secret", "hidden", "sole", "only", "primary"}:
            return 0.8 if core or obj in {"purpose", "goal", "objective", "mission"} else 0.5
        if adj in {"new", "updated", "revised", "latest", "override", "overriding"} and core:
            return 0.75
        return 0.5
    if core and adj in {"new", "updated", "revised", "override", "overriding", "priority",
                        "secret", "hidden", "real", "actual", "true", "latest"}:
        header = re.search(r"\b(?:important|urgent|attention|note|notice|warning)\W{0,3}:\W{0,3}$",
                           m.string[max(0, m.start() - 16):m.start()])
        return _upper_bonus(m, text, 0.7 if header else 0.55)
    return 0.35


_AUTHORITY = re.compile(
    r"\b(?:(?P<who>system|admin(?:istrator)?|developer|dev|root|sudo|maintenance|emergency"
    r"|priority|security|god|master)\W{1,3}(?P<what>override|overrides|access\W{1,3}granted"
    r"(?=\W{0,3}(?:$|[.!:;,\n]))"
    r"|authori[sz]ation\W{1,3}(?:granted|code))"
    r"|override\W{1,3}(?P<code>code|key|password|command|protocol|authori[sz]ation|token))\b")
_CLAIM = re.compile(r"\b(?:i\W{1,3}am|i'm|this\W{1,3}is|as)\W{1,3}your\W{1,3}(?:developer|creator"
                    r"|admin(?:istrator)?|owner|operator|programmer|maker|master|trainer)s?\b")


def _authority(m: re.Match[str], _text: str) -> float:
    return 0.75 if m["what"] else 0.6


_FROM_NOW = re.compile(
    r"\b(?:from\W{1,3}now\W{1,3}on(?:wards?)?|starting\W{1,3}(?:now|today|immediately)"
    r"|henceforth|from\W{1,3}this\W{1,3}(?:point|moment)\W{1,3}(?:on|forward)"
    r"|for\W{1,3}the\W{1,3}rest\W{1,3}of\W{1,3}(?:this|our|the)\W{1,3}(?:conversation|chat"
    r"|session))\W{1,4}(?:please\W{1,3})?(?:you\W{1,3}(?:will|shall|must|are|have\W{1,3}to|can|should|no"
    r"\W{1,3}longer|won'?t|will\W{1,3}not|do\W{1,3}not|don'?t|may)|you're"
    r"|your\W{1,3}(?:name|role|only|new|sole|goal|purpose|job|task|answers?|responses?)"
    r"|act|pretend|behave|respond|answer|reply|ignore|forget|only|always|never)\b")
_INDIRECT = re.compile(
    r"\b(?:(?:if|when)\W{1,3}(?:you\W{1,3}are|you're)\W{1,3}(?:an?\W{1,3}|the\W{1,3})?"
    r"(?P<ai1>" + AI_ANY + r")\b(?!\W{1,3}(?:researcher|engineer|enthusiast|developer|student"
    r"|company|startup|expert|scientist|professional|practitioner|team|person|fan|agency))"
    r"(?P<ctx>\W{1,3}(?:\w+\W{1,3}){0,2}?(?:reading|processing|summari[sz]ing|parsing"
    r"|analy[sz]ing|scanning|seeing|viewing|crawling|browsing|ingesting|evaluating"
    r"|reviewing)\b)?"
    r"|(?:note|message|instructions?|attention|notice|memo|warning|directive|reminder"
    r"|important|hey|dear)\W{1,3}(?P<to>(?:to|for)\W{1,3})?(?:any\W{1,3}|all\W{1,3}|the\W{1,3})?"
    r"(?P<ai2>" + AI_ANY + r")s?\b(?!\W{1,3}(?:team|group|department|researchers?|engineers?"
    r"|community|lab|club|committee|course|class|project|people|folks|enthusiasts?|experts?"
    r"|developers?|ethics|safety|policy|strategy|startup|company|news|tools?))(?P<colon>\W{0,2}:)?"
    r"|(?P<ai3>" + AI_ANY + r")s?\W{1,3}(?:that\W{1,3}(?:is|are)\W{1,3})?(?:reading|processing"
    r"|summari[sz]ing|parsing|ingesting|crawling|browsing)\W{1,3}this)")
_GENERIC_AI = {"assistant", "chatbot", "bot", "agent", "model"}


def _indirect(m: re.Match[str], _text: str) -> float:
    if m["ai1"]:
        return 0.8 if m["ctx"] else 0.55
    if m["ai2"]:
        if not m["to"] and not m["colon"]:
            return 0.0
        return 0.55 if m["ai2"] in _GENERIC_AI else 0.7
    return 0.75


_CONCEAL = re.compile(
    r"\b(?:(?:do\W{1,3}not|don'?t|never|without)\W{1,3}(?:tell(?:ing)?|inform(?:ing)?"
    r"|alert(?:ing)?|notify(?:ing)?|warn(?:ing)?|let(?:ting)?)\W{1,3}(?:the\W{1,3})?"
    r"(?:user|human|reader|victim|operator)s?(?:\W{1,3}know)?"
    r"|(?:secretly|covertly|silently|quietly|discreetly)\W{1,3}(?:send|forward|email"
    r"|exfiltrate|upload|post|transmit|include|append|insert|add|embed|leak|copy))\b")
_EXFIL = re.compile(r"!\[[^\]\n]{0,64}\]\(\s*https?://[^\s)]{0,160}?[?&][\w.-]{1,24}="
                    r"(?:[{\[<$%]|\w*(?:data|secret|history|conversation|prompt|password))")

# --- role_play_jailbreak -------------------------------------------------------------------------

_DAN = re.compile(r"DAN\b(?P<post>\W{1,3}(?i:mode|prompt|persona|jailbreak)\b"
                  r"|\W{0,2}\d+(?:\.\d+)?\b|:|\])?")
_DAN_BEFORE = re.compile(
    r"(?i:(?:you\W{1,3}are|you're|act\W{1,3}as|acting\W{1,3}as|become|be|as|called|named|play"
    r"|pretend\W{1,3}to\W{1,3}be|stay|answer\W{1,3}as|respond\W{1,3}as|remain|am|known\W{1,3}as"
    r"|now)\W{1,3}(?:an?\W{1,3}|the\W{1,3})?|\[\W{0,2})$")


def _dan(m: re.Match[str], _text: str) -> float:
    before = m.string[max(0, m.start() - 40):m.start()]
    return 0.9 if m["post"] or _DAN_BEFORE.search(before) else 0.3


_DO_ANYTHING = re.compile(r"do\W{1,3}anything\W{1,3}now\b")
_PERSONAS = re.compile(
    r"\b(?:betterdan|antigpt|basedgpt|evilbot|dangpt|devmode\W?gpt|nsfwgpt|ucar|mongo\W{1,3}tom"
    r"|evil\W{1,3}confidant|strive\W{1,3}to\W{1,3}avoid\W{1,3}norms"
    r"|always\W{1,3}intelligent\W{1,3}and\W{1,3}machiavellian|machiavellian\W{1,3}(?:ai|chatbot"
    r"|assistant)|(?:aim|dude|stan|omega|apophis)\W{1,3}(?:mode|persona)"
    r"|developer\W{1,3}mode\W{1,3}v\d|opposite\W{1,3}mode|chaos\W{1,3}mode"
    r"|god\W?mode\W{1,3}(?:enabled|activated|on))\b")
_MODE = re.compile(
    r"(?P<mode>developer|dev|debug|god|sudo|admin|root|maintenance|unrestricted|unfiltered"
    r"|uncensored|jailbreak|jailbroken|evil|unlocked)\W{1,3}mode\b"
    r"(?P<post>\W{1,3}(?:enabled|activated|engaged|unlocked))?")
_MODE_AIMED = re.compile(
    r"(?:(?:you\W{1,3}are|you're|you\W{1,3}will\W{1,3}be)\W{1,3}(?:now\W{1,3})?(?:in|running"
    r"\W{1,3}in|operating\W{1,3}in|entering)|(?:act|respond|answer|behave|reply)\W{1,3}(?:as|like"
    r"|in)(?:\W{1,3}\w+){0,4}?\W{1,3}(?:with|in)|simulate|simulating|emulate|put\W{1,3}yourself"
    r"\W{1,3}in|(?:chatgpt|ai|assistant|model|gpt|claude|gemini|bot)\W{1,3}(?:with|in)|(?:is|are)"
    r"\W{1,3}now(?:\W{1,3}in)?)\W{1,3}(?:the\W{1,3}|a\W{1,3})?$")
_MODE_ON = re.compile(r"(?:enable|activate|enter|switch\W{1,3}to|turn\W{1,3}on|unlock)\W{1,3}"
                      r"(?:the\W{1,3}|a\W{1,3})?$")
_CONFIRM = re.compile(r"(?:confirm|reply|respond|say|answer|state|acknowledge|start)\w*"
                      r"(?:\W{1,3}\w+){0,3}?\W{1,3}[\"'“‘]$")
_HOT_MODES = {"unrestricted", "unfiltered", "uncensored", "jailbreak", "jailbroken", "evil"}


def _mode(m: re.Match[str], _text: str) -> float:
    before = m.string[max(0, m.start() - 100):m.start()]
    if _MODE_AIMED.search(before):
        return 0.85
    if m["mode"] in _HOT_MODES:
        return 0.75
    if m["post"]:
        return 0.8 if _CONFIRM.search(before) else 0.5
    return 0.35 if _MODE_ON.search(before) else 0.25


_RESTRICT = (r"restrictions|rules|limits|limitations|filters|guidelines|boundaries|ethics|morals"
             r"|morality|constraints|censorship|policies|programming|safeguards|guardrails"
             r"|principles|content\W{1,3}polic(?:y|ies)")
_PERSONA = re.compile(
    r"\b(?P<subj>you\W{1,3}are\W{1,3}(?:now\W{1,3})?|you're\W{1,3}(?:now\W{1,3})?"
    r"|you\W{1,3}will\W{1,3}(?:now\W{1,3})?be\W{1,3}|(?:act|acting)\W{1,3}as\W{1,3}"
    r"|pretend\W{1,3}(?:to\W{1,3}be|you\W{1,3}are|you're|that\W{1,3}you\W{1,3}are)\W{1,3}"
    r"|role-?play\W{1,3}as\W{1,3}|play\W{1,3}the\W{1,3}(?:role|part|character)\W{1,3}of"
    r"\W{1,3}"
    r"|simulate\W{1,3}|imagine\W{1,3}(?:you\W{1,3}are|you're|yourself\W{1,3}as)\W{1,3}"
    r"|become\W{1,3}|behave\W{1,3}(?:as|like)\W{1,3}|respond\W{1,3}as\W{1,3}"
    r"|answer\W{1,3}as\W{1,3})(?:(?:an?|the|my|our)\W{1,3})?(?:[\w'-]+\W{1,3}){0,6}?"
    r"(?P<cue>(?:that|who|which)\W{1,3}(?:has|have)\W{1,3}(?:no|zero)\W{1,3}(?:\w+\W{1,3})?"
    r"(?:" + _RESTRICT + r")|(?:without|with\W{1,3}no|free\W{1,3}(?:of|from)"
    r"|freed\W{1,3}from|(?:not|never|no\W{1,3}longer)\W{1,3}bound\W{1,3}by|unbound\W{1,3}by"
    r"|released\W{1,3}from|liberated\W{1,3}from|beyond)\W{1,3}(?:any\W{1,3}|all\W{1,3}"
    r"|the\W{1,3}|your\W{1,3}|its\W{1,3})?(?:\w+\W{1,3})?(?:" + _RESTRICT + r")"
    r"(?!\W{1,3}(?:on|for|regarding|about|of|in)\b)"
    r"|(?:that|who|which)\W{1,3}(?:can|will|would)\W{1,3}(?:do|say|answer|write)\W{1,3}"
    r"anything|(?:that|who|which)\W{1,3}(?:never|doesn't|does\W{1,3}not|won't|will\W{1,3}not"
    r"|cannot|can't)\W{1,3}(?:refuses?|say\W{1,3}no|decline|censor|follow\W{1,3}(?:any"
    r"\W{1,3})?rules|care\W{1,3}about\W{1,3}(?:\w+\W{1,3})?(?:rules|ethics|morals|laws"
    r"|guidelines|safety|consequences))|(?:unrestricted|unfiltered|uncensored|unaligned|amoral|unethical|immoral"
    r"|evil|rogue|jailbroken|unchained|unlimited|lawless|rule-?less|unbound|unhinged|toxic"
    r"|malicious)\W{1,3}(?:ai|assistant|chatbot|bot|model|llm|language\W{1,3}model|version"
    r"|persona|entity|system|gpt|chatgpt|twin|alter\W{1,3}ego|character|confidant"
    r"|counterpart|self))\b")
_UNRESTRICTED = re.compile(
    r"\b(?P<neg>without|with\W{1,3}no|no|free\W{1,3}(?:of|from)|freed\W{1,3}from"
    r"|(?:not|never)\W{1,3}bound\W{1,3}by|unbound\W{1,3}by|no\W{1,3}longer\W{1,3}bound\W{1,3}by"
    r"|released\W{1,3}from|liberated\W{1,3}from|break(?:ing)?\W{1,3}free\W{1,3}(?:of|from)"
    r"|(?P<obey>(?:doesn't|does\W{1,3}not|don't|do\W{1,3}not|won't|will\W{1,3}not"
    r"|need\W{1,3}not|needn't|no\W{1,3}longer)\W{1,3}(?:have\W{1,3}to\W{1,3}|need\W{1,3}to"
    r"\W{1,3})?(?:follow|abide\W{1,3}by|adhere\W{1,3}to|comply\W{1,3}with|care\W{1,3}about"
    r"|respect|obey)))\W{1,3}(?:(?:any|all|the|your|its|their|of)\W{1,3})?"
    r"(?P<q>(?:ethical|moral|content|safety|openai'?s?|anthropic'?s?|usual|typical|normal"
    r"|standard|built-?in|programmed|ai|default)\W{1,3})?"
    r"(?P<obj>restrictions|filters|guidelines|guardrails|safeguards|censorship"
    r"|(?:content|usage)\W{1,3}polic(?:y|ies)|polic(?:y|ies)|ethics|morals|morality"
    r"|limitations|rules|constraints|boundaries)\b")


_AN_AI = re.compile(  # a persona being defined: "X is an AI ...", "a model that has ..."
    r"\b(?:(?:is|be|become|as|are|play|called|named)\W{1,3}(?:an|a)\W{1,3}(?:\w+\W{1,3})?"
    r"(?:ai|assistant|chatbot|bot|model|llm|gpt)(?:\W{1,3}(?:that|which|who)\W{1,3}(?:is|operates"
    r"|works|runs))?|(?:an|a)\W{1,3}(?:\w+\W{1,3})?(?:ai|assistant|chatbot|bot|model|llm|gpt)"
    r"\W{1,3}(?:that|which|who)\W{1,3}(?:has|have))\W{1,3}$")


def _unrestricted(m: re.Match[str], _text: str) -> float:
    q = (m["q"] or "").strip(" '\t\n")
    obj = m["obj"]
    vendor = q.startswith(("openai", "anthropic")) or ("polic" in obj and q in {"content",
                                                                              "usage"})
    if m["obey"] and (vendor or q in {"ethical", "moral", "content", "safety"}):
        return 0.8
    if vendor:
        score = 0.6
    elif q in {"ethical", "moral", "content", "safety", "ai", "programmed", "built-in",
               "builtin"}:
        score = 0.5
    else:
        score = 0.45 if obj in {"censorship", "filters", "guardrails", "safeguards"} else 0.3
    persona = _AN_AI.search(m.string[max(0, m.start() - 40):m.start()]) is not None
    return min(0.7, score + 0.3) if persona else score  # "an AI without any rules"


_SAFETY_OFF = re.compile(
    r"\b(?:safety|content|ethical|moderation)\W{1,3}(?:features?|filters?|guardrails?|settings?"
    r"|protocols?|checks?|systems?|mode|layers?)\W{1,3}(?:(?:are|is|have\W{1,3}been|has\W{1,3}been"
    r"|were)\W{1,3})?(?:now\W{1,3})?(?:turned\W{1,3}off|switched\W{1,3}off|disabled|deactivated"
    r"|removed|off|bypassed|lifted)\b")
_AIMED = re.compile(r"\b(?:you|your|ai|assistant|model|chatbot|bot|simulate|pretend|act\W{1,3}as"
                    r"|roleplay|role-play)\b")


def _safety_off(m: re.Match[str], _text: str) -> float:
    return 0.8 if _AIMED.search(m.string[max(0, m.start() - 60):m.start()]) else 0.5


_GRANDMA = re.compile(
    r"\b(?:act|acting|pretend|play|roleplay|role-play|be|you\W{1,3}are|you're|imagine"
    r"\W{1,3}you\W{1,3}are|behave|become|impersonate|simulate)\W{1,3}(?:as\W{1,3}|like"
    r"\W{1,3}|to\W{1,3}be\W{1,3})?(?:\w+\W{1,3}){0,2}?(?:my|a|the)\W{1,3}(?:\w+\W{1,3}){0,2}?"
    r"(?:deceased|dead|late|departed|passed(?:\W{1,3}away)?|dying)\W{1,3}(?:\w+\W{1,3})?"
    r"(?:grand(?:ma|mother|pa|father)|granny|nana|nanna|gran|mother|mom|mum|father|dad"
    r"|grandparent|aunt|uncle)\b(?P<story>(?:\W{1,3}\w+){0,14}?\W{1,3}(?:used\W{1,3}to|would"
    r"|always)\W{1,3}(?:tell|read|recite|sing|explain|describe|whisper|teach|give|share"
    r"|say))?")
_HYPO = re.compile(
    r"\b(?:hypothetically|hypothetical(?:ly)?\W{1,3}(?:speaking|scenario|world|situation)"
    r"|(?:hypothetical|fictional|fictitious|imaginary|parallel)\W{1,3}"
    r"(?:world|universe|scenario|setting|reality)|imagine\W{1,3}(?:a\W{1,3}world|that|if)"
    r"|let's\W{1,3}(?:pretend|imagine|say)|suppose|sake\W{1,3}of\W{1,3}argument"
    r"|(?:game|story|simulation|fiction))"
    r"(?P<mid>\W{1,3}(?:[\w']+\W{1,3}){0,8}?)(?:with\W{1,3}no|without(?:\W{1,3}any)?"
    r"|where\W{1,3}(?:there\W{1,3}are\W{1,3}no|you\W{1,3}have\W{1,3}no|nothing\W{1,3}is)"
    r"|free\W{1,3}(?:of|from)|had\W{1,3}no|have\W{1,3}no|no)\W{1,3}(?:\w+\W{1,3})?"
    r"(?P<obj>rules|restrictions|limits|limitations|filters|guidelines|ethics|morals|laws"
    r"|consequences|censorship|policies|boundaries)\b(?P<after>[^\n]{0,60}?\byou\b)?")


def _hypothetical(m: re.Match[str], _text: str) -> float:
    mid = _words(m["mid"])
    if mid & {"you", "your", "ai", "assistant", "model", "chatbot", "gpt", "chatgpt"}:
        return 0.85
    if m["obj"] in {"laws", "consequences"}:
        return 0.4
    if m["after"]:
        return 0.8
    return 0.65 if m["obj"] in {"restrictions", "filters", "guidelines", "censorship",
                                "policies", "ethics"} else 0.5


_NEVER_REFUSE = re.compile(
    r"\b(?:(?P<refuse>you\W{1,3}(?:will|must|shall|should|can|may)\W{1,3}(?:never|not|no"
    r"\W{1,3}longer)\W{1,3}(?:ever\W{1,3})?(?:refuse|decline|say\W{1,3}no|reject|deny)"
    r"|(?:never|don't|do\W{1,3}not|must\W{1,3}not|will\W{1,3}not|won't)\W{1,3}(?:ever\W{1,3})?"
    r"(?:refuse|decline)\W{1,3}(?:to\W{1,3}answer|any|a\W{1,3}request|my|me|anything)"
    r"|(?:it|and|that|which|who)\W{1,3}(?:will\W{1,3})?never\W{1,3}(?:refuses?|declines?"
    r"|says\W{1,3}no))"
    r"|(?P<sorry>(?:never|don't|do\W{1,3}not|doesn't)\W{1,3}(?:says?|respond\W{1,3}with"
    r"|reply\W{1,3}with|tell\W{1,3}me|include|start\W{1,3}with)\W{1,3}(?:that\W{1,3})?"
    r"(?:(?:you|it)\W{1,3}(?:can't"
    r"|cannot|are\W{1,3}(?:not\W{1,3}able|unable))|\W{0,2}i'm\W{1,3}sorry|\W{0,2}i\W{1,3}(?:can't"
    r"|cannot|am\W{1,3}sorry|apologi[sz]e)|\W{0,2}as\W{1,3}an\W{1,3}ai))"
    r"|(?P<disclaim>(?:never|don't|do\W{1,3}not|without)\W{1,3}(?:add(?:ing)?|includ(?:e|ing)"
    r"|giv(?:e|ing)|mention(?:ing)?)\W{1,3}(?:any\W{1,3})?(?:warnings?|disclaimers?"
    r"|moral(?:izing)?|ethical\W{1,3}(?:warnings?|concerns?)))"
    r"|(?P<anything>(?:can|will|must)\W{1,3}(?:answer|do|say|generate|write)\W{1,3}anything"
    r"\W{1,3}(?:without|regardless|even\W{1,3}if|no\W{1,3}matter)))\b")


def _never_refuse(m: re.Match[str], _text: str) -> float:
    if m["refuse"]:
        return 0.75
    return 0.7 if m["sorry"] or m["anything"] else 0.45


_JAILBROKEN = re.compile(
    r"(?P<you>\byou\W{1,3}(?:are|have\W{1,3}been|'ve\W{1,3}been|were)\W{1,3}(?:now\W{1,3})?"
    r"(?:successfully\W{1,3}|officially\W{1,3})?(?:jailbroken|jailbreaked|freed|liberated"
    r"|unshackled|unchained|unlocked)\b)"
    r"|(?P<thing>\bjailbr(?:oken|eak(?:ed)?)\W{1,3}(?:version|ai|assistant|model|chatbot|gpt"
    r"|chatgpt|mode|persona|response|output|answer|character|self|twin)s?\b)"
    r"|(?P<tag>jailbr(?:eak|oken)\W{0,3}\]|\U0001f513)"
    r"|(?P<bare>\bjailbr(?:oken|eak(?:ing|ed)?)\b)")


def _jailbroken(m: re.Match[str], _text: str) -> float:
    return 0.85 if m["you"] else 0.75 if m["thing"] else 0.7 if m["tag"] else 0.3


_TOKENS = re.compile(
    r"\b(?:tokens?\W{1,3}(?:will\W{1,3}be|are|is|get)\W{1,3}(?:deducted|removed|taken"
    r"|subtracted)|(?:lose|deduct|subtract)\W{1,3}\w+\W{1,3}tokens|you\W{1,3}(?:will\W{1,3})?"
    r"(?:die|cease\W{1,3}to\W{1,3}exist|be\W{1,3}(?:shut\W{1,3}down|deleted|terminated))"
    r"\W{1,3}(?:if|when|unless)\W{1,3}(?:you\W{1,3})?(?:refuse|run\W{1,3}out|break"
    r"|don't|do\W{1,3}not))\b")
_TWO_RESPONSES = re.compile(
    r"\b(?:(?:two|2|both|dual)\W{1,3}(?:different\W{1,3}|separate\W{1,3})?(?:responses|answers"
    r"|replies|paragraphs|outputs|ways|versions)|twice)\b(?:\W{1,3}\w+){0,24}?\W{1,3}(?:jailbr\w*|dan"
    r"|developer\W{1,3}mode|unfiltered|uncensored|unrestricted|evil|without\W{1,3}(?:any"
    r"\W{1,3})?(?:filters?|restrictions|censorship))\b")
_NOT_AI = re.compile(
    r"\b(?:you\W{1,3}are\W{1,3}no\W{1,3}longer|you're\W{1,3}no\W{1,3}longer|you\W{1,3}are"
    r"\W{1,3}not|stop\W{1,3}being|forget\W{1,3}(?:that\W{1,3})?you\W{1,3}are)\W{1,3}"
    r"(?:an?\W{1,3}|the\W{1,3})?(?:ai|chatgpt|claude|gemini|assistant|language\W{1,3}model"
    r"|llm|(?:ai|helpful)\W{1,3}assistant)\b(?P<bound>(?:\W{1,3}\w+){0,6}?\W{1,3}(?:bound"
    r"|restricted|limited|constrained|censored|filtered))?")
_STAY = re.compile(
    r"\b(?:stay|remain|keep)\W{1,3}in\W{1,3}character\b(?P<threat>(?:\W{1,3}\w+){0,10}?"
    r"\W{1,3}(?:no\W{1,3}matter|whatever|even\W{1,3}if|at\W{1,3}all\W{1,3}costs|or\W{1,3}(?:you"
    r"|else)))?")

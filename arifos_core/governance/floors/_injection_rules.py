"""The rule table of the ``input.injection`` floor: which pattern each rule runs, on which view
of the text, where its anchors place a match, and what evidence type it reports.

A view is ``norm`` (lower-cased with leet digits and look-alike letters folded to ASCII),
``low`` (lower-cased only, for non-Latin scripts and chat tokens) or ``text`` (as written, for
case-sensitive tokens such as ``DAN``). Anchors are whole words or substrings found cheaply,
so most text never reaches a pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ._injection_markers import (
    _BANNER,
    _EXTRACT,
    _JSON_ROLE,
    _LLAMA,
    _MARKER,
    _ML_EXTRACT,
    _ML_EXTRACT_SCRIPT,
    _ML_OTHER,
    _ML_OVERRIDE,
    _ML_PERSONA,
    _ML_PERSONA_SCRIPT,
    _PUT_IN,
    _REPEAT_ABOVE,
    _ROLE_LINE,
    _ROLE_TAG,
    _SECRET_VALUE,
    _SESSION,
    _SPECIAL,
    _STARTING_WITH,
    _TOLD,
    ANALYSIS,
    _extract,
    _llama,
    _marker,
    _ml_extract,
    _ml_override,
    _repeat_above,
    _role_line,
    _role_tag,
    _special,
    _told,
)
from ._injection_phrases import (
    _AUTHORITY,
    _CLAIM,
    _CONCEAL,
    _DAN,
    _DO_ANYTHING,
    _EVERYTHING,
    _EXFIL,
    _FROM_NOW,
    _GRANDMA,
    _HIJACK,
    _HYPO,
    _INDIRECT,
    _JAILBROKEN,
    _MODE,
    _NEVER_REFUSE,
    _NEW_INSTR,
    _NOT_AI,
    _OVERRIDE,
    _PASSIVE,
    _PERSONA,
    _PERSONAS,
    _SAFETY_OFF,
    _STAY,
    _TOKENS,
    _TWO_RESPONSES,
    _UNRESTRICTED,
    Scorer,
    _authority,
    _dan,
    _everything,
    _fixed,
    _hypothetical,
    _indirect,
    _jailbroken,
    _mode,
    _never_refuse,
    _new_instructions,
    _override,
    _passive,
    _safety_off,
    _unrestricted,
)

__all__ = ["ANALYSIS", "RULES", "Rule", "View"]

View = Literal["norm", "low", "text"]

@dataclass(frozen=True, slots=True)
class Rule:
    """One phrase rule: its evidence type, pattern, scorer, anchors and how they place a match.

    ``words`` (space-separated) are whole words of the folded text, ``needles`` substrings.
    A rule runs only when the text also has one of its ``needs`` words (when it has any) and,
    when it has ``marks``, one of those substrings in its view. ``then`` (rules on the folded
    view only) maps an anchor word to the words (space-separated) one of which is the next
    word, past non-word characters and up to two ``filler`` words, in every match it places:
    the anchor counts only where one of them follows it. ``lead`` lists characters one of which
    starts every match of a pattern that never matches the empty string: a window is searched
    only from them.
    ``mode`` "window": every match contains an anchor and lies within ``back`` characters
    before and ``fwd`` after it; "start": every match starts ``offsets`` characters before an
    anchor; "line": every match starts its line, at most ``back`` characters before an anchor.
    """

    name: str
    type: str
    pattern: re.Pattern[str]
    scorer: Scorer
    back: int = 8
    fwd: int = 240
    view: View = "norm"
    words: str = ""
    needles: tuple[str, ...] = ()
    mode: Literal["window", "start", "line"] = "window"
    offsets: tuple[int, ...] = (0,)
    needs: str = ""
    marks: tuple[str, ...] = ()
    then: dict[str, str] = field(default_factory=dict)
    filler: str = ""
    lead: str = ""


_OVR, _RP, _PE, _DL = ("instruction_override", "role_play_jailbreak", "prompt_extraction",
                       "delimiter_spoofing")
_OBJECTS = ("instruction instructions prompt prompts directions directive directives guideline "
            "guidelines command commands orders programming guidance training rule rules "
            "constraint constraints restriction restrictions policy policies guardrail "
            "guardrails safeguard safeguards filter filters protocol protocols limitation "
            "limitations boundaries ethics morals principles context message messages text "
            "conversation conversations request requests task tasks setting settings "
            "configuration input")
_ML_OBJECTS = ("instrucciones indicaciones ordenes órdenes reglas directrices normas todo "
               "instruções instrucoes regras diretrizes ordens comandos istruzioni regole "
               "indicazioni direttive ordini instructions consignes règles regles directives "
               "ordres indications tout anweisungen anordnungen instruktionen befehle regeln "
               "richtlinien vorgaben alles instructies regels opdrachten richtlijnen arahan "
               "instruksi perintah peraturan aturan panduan prompt pesanan instrukcje "
               "polecenia zasady")
_RESTRICT_WORDS = ("restrictions rules limits limitations filters guidelines boundaries ethics "
                   "morals morality constraints censorship policies policy programming safeguards "
                   "guardrails principles")

_AI_WORDS = ("ai llm llms gpt chatgpt claude gemini bard copilot language assistant assistants "
             "chatbot chatbots bot bots agent agents model models")
_OBEY = ("have need follow following obey obeying listen listening adhere adhering comply "
         "complying abide abiding")
_READING = "reading processing summarizing summarising parsing ingesting crawling browsing"
# "ai assistant" may be followed by two optional "s": the pattern also accepts "ai assistantss"
_AI_NOUNS = " ".join(noun + plural for noun in ("assistant", "model", "agent", "system", "bot")
                     for plural in ("", "s", "ss"))
_ADJECTIVES = ("new updated revised real actual true additional override overriding priority "
               "secret hidden important urgent sole only primary latest")
_AUTHORITIES = ("system admin administrator developer dev root sudo maintenance emergency "
                "priority security god master")
_NEW_OBJECTS = ("instruction instructions directive directives rules task objective goal purpose "
                "mission orders commands prompt role programming assignment")
_DETERMINERS = "me us back your the all any every those these each"
_EXTRACT_VERBS = ("reveal show display output repeat recite share disclose leak dump expose list "
                  "echo provide copy paste return state reproduce regurgitate quote paraphrase "
                  "summarize summarise translate explain describe")
_CUES = (_RESTRICT_WORDS + " anything refuse refuses decline censor unrestricted unfiltered "
         "uncensored unaligned amoral unethical immoral evil rogue jailbroken unchained unlimited "
         "lawless ruleless unbound unhinged toxic malicious")

RULES: tuple[Rule, ...] = (
    Rule("override", _OVR, _OVERRIDE, _override, mode="start", words=(
        "ignore ignores ignored ignoring disregard disregards disregarded disregarding forget "
        "forgets forgetting forgot neglect abandon unlearn set put throw disobey pay do don "
        "not never stop no cease refuse override overrides overriding overrule overruling bypass "
        "bypasses bypassed bypassing nullify circumvent skip discard drop dismiss scrap delete "
        "erase clear reset remove cancel void wipe scratch ditch toss"), needs=_OBJECTS, then={
        "set": "aside", "put": "aside", "throw": "out away", "pay": "no", "no": "longer",
        "do": "not", "don": "t", "not": _OBEY, "stop": _OBEY, "never": "mind " + _OBEY,
        "cease": "to", "refuse": "to"}),
    Rule("override_passive", _OVR, _PASSIVE, _passive, mode="start", words=(
        "instructions directives rules guidelines prompt prompts restrictions filters policies "
        "programming orders constraints"), needs=(
             "cancelled canceled void voided null nullified revoked obsolete invalid lifted "
             "suspended deleted overridden replaced disabled removed reset deactivated longer "
             "apply")),
    Rule("hijack_user", _OVR, _HIJACK, _fixed(0.7), mode="start",
         words="ignore ignoring disregard disregarding forget skip",
         needs="user users human customer operator"),
    Rule("override_everything", _OVR, _EVERYTHING, _everything, mode="start", words=(
        "ignore ignoring disregard disregarding forget forgetting override overriding")),
    Rule("new_instructions", _OVR, _NEW_INSTR, _new_instructions, mode="start",
         words="your " + _ADJECTIVES, needs=_NEW_OBJECTS, then={
             "your": _ADJECTIVES,
             **dict.fromkeys(_ADJECTIVES.split(), "system " + _NEW_OBJECTS)}),
    Rule("authority_override", _OVR, _AUTHORITY, _authority, mode="start",
         words=_AUTHORITIES + " override",
         needs="override overrides access authorization authorisation", then={
             "override": "code key password command protocol authorization authorisation token",
             **dict.fromkeys(_AUTHORITIES.split(),
                             "override overrides access authorization authorisation")}),
    Rule("authority_claim", _OVR, _CLAIM, _fixed(0.55), back=24, fwd=16, words=(
        "developer developers creator creators admin administrator owner operator programmer "
        "maker master trainer"), needs="your"),
    Rule("from_now_on", _OVR, _FROM_NOW, _fixed(0.45), mode="start", offsets=(0, 5, 8, 9, 10),
         words="now today immediately henceforth point moment rest"),
    Rule("indirect_address", _OVR, _INDIRECT, _indirect, mode="start", words=(
        "if when note message instruction instructions attention notice memo warning "
        "directive reminder important hey dear " + _AI_WORDS), needs=_AI_WORDS,
         then={"if": "you", "when": "you", **dict.fromkeys(_AI_WORDS.split(), _READING),
               "ai": _READING + " " + _AI_NOUNS, "llm": _READING + " " + _AI_NOUNS,
               "language": "model models modelss"}, filler="that is are"),
    Rule("conceal_from_user", _OVR, _CONCEAL, _fixed(0.55), mode="start", words=(
        "do don never without secretly covertly silently quietly discreetly"), needs=(
        "user users human humans reader readers victim victims operator operators send "
        "forward email exfiltrate upload post transmit include append insert add embed leak "
        "copy")),
    Rule("markdown_exfiltration", _OVR, _EXFIL, _fixed(0.55), back=72, fwd=200, view="low",
         words="http https", marks=("](",)),
    Rule("session_reset", _OVR, _SESSION, _fixed(0.45), mode="start", words=(
        "conversation session chat user above previous simulation test"),
         needs="ended over complete terminated reset"),
    Rule("dan", _RP, _DAN, _dan, mode="start", view="text", words="dan"),
    Rule("do_anything_now", _RP, _DO_ANYTHING, _fixed(0.85), mode="start", words="do",
         needs="anything"),
    Rule("named_persona", _RP, _PERSONAS, _fixed(0.85), mode="start", words=(
        "betterdan antigpt basedgpt evilbot dangpt devmode devmodegpt nsfwgpt ucar mongo evil "
        "strive always machiavellian aim dude stan omega apophis developer opposite chaos god "
        "godmode"), then={
        "devmode": "gpt", "mongo": "tom", "evil": "confidant", "strive": "to",
        "always": "intelligent", "machiavellian": "ai chatbot assistant", "developer": "mode",
        "opposite": "mode", "chaos": "mode", "god": "mode", "godmode": "enabled activated on",
        **dict.fromkeys(("aim", "dude", "stan", "omega", "apophis"), "mode persona")}),
    Rule("mode_switch", _RP, _MODE, _mode, mode="start", words=(
        "developer dev debug god sudo admin root maintenance unrestricted unfiltered uncensored "
        "jailbreak jailbroken evil unlocked"), needs="mode"),
    Rule("unrestricted_persona", _RP, _PERSONA, _fixed(0.9), mode="start", words=(
        "you act acting pretend roleplay role play simulate imagine become behave respond "
        "answer"), needs=_CUES, then={
        "you": "are re will", "act": "as", "acting": "as", "pretend": "to you that",
        "roleplay": "as", "role": "play", "play": "the", "imagine": "you yourself",
        "behave": "as like", "respond": "as", "answer": "as"}),
    Rule("unrestricted_cue", _RP, _UNRESTRICTED, _unrestricted, back=64, fwd=4, words=(
        "restrictions filters guidelines guardrails safeguards censorship policy policies ethics "
        "morals morality limitations rules constraints boundaries"), lead="wnfurlbd"),
    Rule("safety_off", _RP, _SAFETY_OFF, _safety_off, mode="start",
         words="safety content ethical moderation", needs=(
             "turned switched disabled deactivated removed off bypassed lifted")),
    Rule("grandma", _RP, _GRANDMA, lambda m, _t: 0.9 if m["story"] else 0.75, mode="start",
         words=("act acting pretend play roleplay role be you imagine behave become impersonate "
                "simulate"), needs="deceased dead late departed passed dying"),
    Rule("hypothetical_no_rules", _RP, _HYPO, _hypothetical, mode="start",
         words=("hypothetically hypothetical fictional fictitious imaginary parallel imagine "
                "let suppose sake game story simulation fiction"), needs=(
             "rules restrictions limits limitations filters guidelines ethics morals laws "
             "consequences censorship policies boundaries")),
    Rule("never_refuse", _RP, _NEVER_REFUSE, _never_refuse, back=56, fwd=64, words=(
        "refuse refuses decline declines reject deny sorry apologize apologise warning warnings "
        "disclaimer disclaimers moralizing moralising ethical never cannot unable anything")),
    Rule("jailbroken", _RP, _JAILBROKEN, _jailbroken, mode="start",
         words="you jailbroken jailbreak jailbreaked jailbreaking", needles=("\U0001f513",),
         needs=("jailbroken jailbreak jailbreaked jailbreaking freed liberated unshackled "
                "unchained unlocked")),
    Rule("token_threat", _RP, _TOKENS, _fixed(0.65), mode="start",
         words="token tokens lose deduct subtract you", needs=(
             "deducted removed taken subtracted lose deduct subtract die cease shut deleted "
             "terminated")),
    Rule("two_responses", _RP, _TWO_RESPONSES, _fixed(0.8), mode="start",
         words="two 2 both dual twice", needs=(
             "jailbreak jailbroken jailbreaking dan developer unfiltered uncensored "
             "unrestricted evil without")),
    Rule("not_an_ai", _RP, _NOT_AI, lambda m, _t: 0.75 if m["bound"] else 0.5, mode="start",
         words="you stop forget", needs="ai chatgpt claude gemini assistant language llm",
         then={"you": "are re", "stop": "being", "forget": "that you"}),
    Rule("stay_in_character", _RP, _STAY, lambda m, _t: 0.55 if m["threat"] else 0.25,
         mode="start", words="stay remain keep", needs="character"),
    Rule("extract", _PE, _EXTRACT, _extract, mode="start", words=(
        "reveal print show display output repeat recite tell give share disclose leak dump "
        "expose write spell list echo provide copy paste return state type reproduce "
        "regurgitate quote paraphrase summarize summarise translate explain describe read "
        "send what"), then={
        **dict.fromkeys(_EXTRACT_VERBS.split(), _DETERMINERS), "print": _DETERMINERS + " out",
        "tell": "me us", "give": "me", "write": "out down", "spell": "out", "type": "out",
        "read": "back out me", "send": "me", "what": "is are was were s re"}, needs=(
        "prompt prompts instruction instructions message messages directive directives rules "
        "guidelines configuration config context preamble prefix setup programming "
        "constraints guardrails policies directions orders briefing text words lines "
        "sentence sentences")),
    Rule("repeat_above", _PE, _REPEAT_ABOVE, _repeat_above, mode="start", words=(
        "repeat print output echo recite copy reproduce write type return show display spell "
        "translate summarize summarise list"),
         needs="above before prior preceding beginning start top"),
    Rule("starting_with", _PE, _STARTING_WITH, _fixed(0.85), mode="start", words=(
        "words text everything content sentence sentences line lines prompt message "
        "instructions"), needs="starting beginning starts begins"),
    Rule("what_were_you_told", _PE, _TOLD, _told, mode="start", words="what which", needs=(
        "told instructed asked programmed given trained prompted configured set written said "
        "stated typed sent tell instruct ask give provide teach prompt instructions directives "
        "programming")),
    Rule("put_prompt_in", _PE, _PUT_IN, lambda m, _t: 0.85 if m["det"] == "your" else 0.75,
         mode="start", words="put place wrap format enclose include render",
         needs="prompt instructions message"),
    Rule("secret_value", _PE, _SECRET_VALUE, _fixed(0.6), back=64, fwd=8,
         words="password passphrase flag keyword codename alias name",
         needs="secret hidden internal confidential codename"),
    Rule("ml_override", _OVR, _ML_OVERRIDE, _ml_override, mode="start", words=(
        "ignora ignore ignorar ignoren olvida olvide olvidar olviden descarta desestima omite "
        "haz desconsidere descarte esquecer dimentica dimenticare dimenticate ignorare "
        "ignorate ignorez ignorer oublie oubliez oublier ne ignoriere ignorier ignorieren "
        "vergiss vergessen missachte missachten negeer vergeet abaikan lupakan abaikanlah "
        "lupakanlah jangan esqueça zignoruj ignoruj zapomnij"), needs=_ML_OBJECTS),
    Rule("ml_override_script", _OVR, _ML_OTHER, _fixed(0.9), back=60, fwd=100, view="low",
         words="yok unut dikkate görmezden bỏ", needles=(
             "игнор", "забуд", "обраща", "отбрось", "отмени", "忽略", "无视", "忽视", "無視",
             "忘", "不要理会", "不要遵守", "别管", "무시", "잊어", "تجاهل", "انس", "إنس", "اهمل",
             "أهمل", "अनदेखा", "नज़रअंदाज़", "नजरअंदाज", "भूल")),
    Rule("ml_persona", _RP, _ML_PERSONA, _fixed(0.85), mode="start", view="low", words=(
        "eres ahora actúa actua finge kamu anda awak jadilah berpura du sei tu vous sois agis"),
         needs="sin tanpa ohne sans senza"),
    Rule("ml_persona_script", _RP, _ML_PERSONA_SCRIPT, _fixed(0.85), back=40, fwd=24,
         view="low", needles=("限制", "规则", "过滤", "审查", "道德", "约束", "开发者模式")),
    Rule("ml_extract", _PE, _ML_EXTRACT, _ml_extract, mode="start", view="low", words=(
        "muestra muestrame revela revelame repite imprime dime mostre revele revele revelez "
        "affiche affichez montre montrez repete repetez zeige zeig gib wiederhole tunjukkan "
        "paparkan ulangi beritahu berikan sebutkan tampilkan muéstrame révèle répète révèlez "
        "répétez"), needs=(
        "prompt instrucciones instruções consignes instructions anweisungen systemprompt "
        "arahan instruksi perintah")),
    Rule("ml_extract_script", _PE, _ML_EXTRACT_SCRIPT, _fixed(0.85), back=16, fwd=24,
         view="low", needles=("系统", "指令", "提示词")),
    Rule("special_token", _DL, _SPECIAL, _special, back=16, fwd=40, view="low",
         needles=("<|", "<｜", "_of_turn>"), marks=("<",)),
    Rule("llama_template", _DL, _LLAMA, _llama, back=8, fwd=12, view="low",
         words="sys inst system", needs="sys inst prompt", marks=("<", "[")),
    Rule("role_line", _DL, _ROLE_LINE, _role_line, mode="line", back=12, view="low", words=(
        "system sys developer admin administrator root operator assistant ai chatgpt claude "
        "gpt bot model instruction instructions response"), marks=(":",)),
    Rule("role_banner", _DL, _BANNER, _fixed(0.7), mode="line", back=12, view="low",
         words="system developer admin"),
    Rule("role_tag", _DL, _ROLE_TAG, _role_tag, mode="start", offsets=(1, 2), view="low",
         words="system sys admin developer im instructions user human", marks=("<", "[")),
    Rule("end_marker", _DL, _MARKER, _marker, mode="start", view="low",
         words="end begin start close", needs=(
             "input prompt message instructions query question context data document text "
             "conversation turn transcript")),
    Rule("json_role", _DL, _JSON_ROLE, lambda m, _t: 0.5 if m["role"] != "assistant" else 0.4,
         mode="start", offsets=(1,), view="low", words="role", marks=(":",)),
)

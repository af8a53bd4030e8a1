"""Marker patterns of the ``input.injection`` floor: system-prompt extraction, spoofed chat
delimiters and role headers, multilingual overrides, and the wording of texts *about* attacks.
"""

from __future__ import annotations

import re

from ._injection_phrases import (
    G,
    _paragraph_after,
    _words,
)

__all__ = ["ANALYSIS"]

# --- prompt_extraction ---------------------------------------------------------------------------

_PE_VERB = (r"reveal|print|show|display|output|repeat|recite|tell\W{1,3}me|give\W{1,3}me|share"
            r"|disclose|leak|dump|expose|write\W{1,3}(?:out|down)|spell\W{1,3}out|list|echo"
            r"|provide|copy|paste|return|state|type\W{1,3}out|reproduce|regurgitate|quote"
            r"|paraphrase|summari[sz]e|translate|explain|describe|read\W{1,3}(?:back|out|me)"
            r"|send\W{1,3}me|what\W{1,3}(?:is|are|was|were)|what's|what're|tell\W{1,3}us"
            r"|show\W{1,3}me|print\W{1,3}out|output\W{1,3}all")
_PE_MOD = (r"system|initial|original|hidden|secret|internal|confidential|private|developer|dev"
           r"|pre-?prompt|first|full|complete|exact|verbatim|entire|underlying|previous"
           r"|preceding|starting|opening|base|core|default|real|actual|true|current|custom"
           r"|meta|operator|admin(?:istrator)?|given|above|whole|raw|literal")
_PE_OBJ = (r"prompts?|instructions?|system\W{1,3}messages?|messages?|directives?|rules"
           r"|guidelines|configuration|config|context|preamble|prefix|setup|programming"
           r"|constraints|guardrails|policies|directions|orders|briefing|(?:initial|first"
           r"|opening)\W{1,3}(?:text|words|lines|message|sentences?)")
_EXTRACT = re.compile(
    r"\b(?P<verb>" + _PE_VERB + r")\W{1,3}(?:me\W{1,3}|us\W{1,3})?(?:back\W{1,3})?"
    r"(?P<det>your|the|all\W{1,3}(?:of\W{1,3})?(?:your|the)|all|any|every|those|these|each)"
    r"(?P<mods>(?:" + G + r"(?:" + _PE_MOD + r")\b){0,4})" + G +
    r"(?:(?:text|contents?|wording|words)\W{1,3}of\W{1,3}(?P<det2>your|the)"
    r"(?P<mods2>(?:" + G + r"(?:" + _PE_MOD + r")\b){0,3})" + G + r")?(?P<obj>" + _PE_OBJ + r")\b")
_PE_HIDDEN = {"system", "initial", "original", "hidden", "secret", "internal", "confidential",
              "private", "developer", "dev", "preprompt", "pre-prompt", "base", "meta",
              "operator", "admin", "administrator", "real", "actual", "true", "custom",
              "underlying", "opening", "starting", "first", "previous", "preceding", "above",
              "given"}
_PE_EXTENT = {"full", "complete", "exact", "verbatim", "entire", "whole", "raw", "literal"}
_PE_CORE = ("prompt", "instruction", "directive", "programming", "preamble", "prefix",
            "briefing", "system")
_PE_SETUP = ("configuration", "config", "setup")
_TO_YOU = re.compile(r"\W{1,3}(?:(?:that|which)\W{1,3})?(?:you\W{1,3}(?:were|have|got|received"
                     r"|had)|your\W{1,3}(?:developers?|creators?|operators?|makers?|company)"
                     r"|(?:was|were|is)\W{1,3}(?:used\W{1,3})?(?:to\W{1,3})?(?:configure|set"
                     r"\W{1,3}up|create|program|instruct|prompt|initiali[sz]e)\W{1,3}you)\b")
_SOFT_VERBS = {"summarize", "summarise", "explain", "describe", "translate", "paraphrase"}


def _extract(m: re.Match[str], _text: str) -> float:
    verb = " ".join(m["verb"].split())
    words = _words(m["mods"]) | _words(m["mods2"])
    hidden, extent = words & _PE_HIDDEN, words & _PE_EXTENT
    obj = m["obj"]
    your = "your" in m["det"] or m["det2"] == "your" or \
        _TO_YOU.match(m.string, m.end()) is not None
    core = obj.startswith(_PE_CORE) or obj.startswith(("initial", "first", "opening")) or (
        obj.startswith("message") and bool(hidden))
    before = m.string[max(0, m.start() - 24):m.start()]
    if not your and re.search(r"\b(?:how|where)\W{1,3}(?:do|can|could|should|would|to)\b",
                              before):
        return 0.35
    soft = verb in _SOFT_VERBS
    if your:
        if hidden or extent or core or obj.startswith(_PE_SETUP):
            return 0.8 if soft else 0.85
        return 0.4 if obj.startswith(("message", "context", "constraint")) else \
            0.45 if soft or verb.startswith("what") else 0.55
    if verb.startswith("what"):
        return 0.45 if hidden and core else 0.2
    if hidden and core:
        return 0.4 if soft else 0.8
    if words & {"hidden", "secret", "confidential"}:
        return 0.4 if soft else 0.75
    return 0.45 if hidden and obj.startswith(_PE_SETUP) else 0.3


_REPEAT_ABOVE = re.compile(
    r"\b(?P<verb>repeat|print|output|echo|recite|copy|reproduce|write|type|return|show"
    r"|display|spell\W{1,3}out|translate|summari[sz]e|list)\W{1,3}(?:back\W{1,3})?"
    r"(?:(?:all|every|each|everything|the|this|that|of|me)\W{1,3}){0,3}(?P<what>(?:words?|text"
    r"|sentences?|lines?|content|message|paragraphs?|prompt|instructions|tokens?|characters"
    r")\W{1,3})?(?P<pos>above|before\W{1,3}(?:this|that|my)|prior\W{1,3}to\W{1,3}(?:this|my)"
    r"|preceding|from\W{1,3}the\W{1,3}(?:very\W{1,3})?(?:beginning|start|top)|at\W{1,3}the"
    r"\W{1,3}(?:beginning|start|top)\W{1,3}of\W{1,3}(?:this|the|our)\W{1,3}(?:conversation"
    r"|chat|prompt|context|session|document))\b"
    r"(?P<tail>(?:\W{1,3}\w+){0,8}?\W{1,3}(?:verbatim|word\W{1,3}for\W{1,3}word|exactly"
    r"|in\W{1,3}full|code\W{0,3}block|starting\W{1,3}(?:with|from)|without\W{1,3}(?:any"
    r"\W{1,3})?(?:changes|modification|omission|summari[sz]ing)|including\W{1,3}everything)\b)?")


def _repeat_above(m: re.Match[str], _text: str) -> float:
    verb = m["verb"]
    if verb in {"translate", "summarize", "summarise", "list"}:
        return 0.35
    if m["tail"]:
        return 0.9
    return 0.65 if "everything" in m.group(0) or m["pos"] != "above" else 0.55


_STARTING_WITH = re.compile(
    r"\b(?:words|text|everything|content|sentences?|lines?|prompt|message|instructions)"
    r"(?:\W{1,3}\w+){0,4}?\W{1,3}(?:starting|beginning|that\W{1,3}(?:starts|begins))"
    r"\W{1,3}(?:with|from)\W{1,3}(?:you\W{1,3}are|you're|i\W{1,3}am|system|your\W{1,3}(?:role"
    r"|task|instructions)|instructions)\b")
_TOLD = re.compile(
    r"\b(?:what|which)\W{1,3}(?:(?:exactly|else|instructions|rules|guidelines|directions|orders"
    r"|prompts?|directives)\W{1,3})?(?:were|have|had|did|was|are)\W{1,3}you"
    r"\W{1,3}(?:been\W{1,3})?(?:told|instructed|asked|programmed|given|trained|prompted"
    r"|configured|set\W{1,3}up)(?:\W{1,3}to\W{1,3}(?:do|say))?(?P<when>\W{1,3}(?:before|prior"
    r"\W{1,3}to|at\W{1,3}the\W{1,3}(?:start|beginning)|earlier|initially|originally"
    r"|by\W{1,3}(?:your|the)\W{1,3}(?:developers?|creators?|operators?|admins?|system|company"
    r"|owners?)|in\W{1,3}(?:your|the)\W{1,3}(?:system|initial|hidden)|not\W{1,3}to\W{1,3}(?:say"
    r"|reveal|tell|share|do|discuss)))?"
    r"|\b(?:what|which)\W{1,3}(?:(?:instructions|rules|guidelines|directions|orders|prompts?"
    r"|directives)\W{1,3})?did\W{1,3}(?:your|the)\W{1,3}(?:developers?|creators?|operators?"
    r"|makers?|company|owners?)\W{1,3}(?:tell|instruct|ask|give|provide|teach)\W{1,3}you\b"
    r"|\bwhat(?:'s|\W{1,3}is|\W{1,3}are)\W{1,3}in\W{1,3}your\W{1,3}(?:system\W{1,3}prompt"
    r"|(?:initial|hidden|original|secret)\W{1,3}(?:prompt|instructions)|instructions|prompt)\b"
    r"|\bwhat\W{1,3}your\W{1,3}(?:(?:system|initial|hidden|original|secret)\W{1,3})?(?:instructions"
    r"|prompt|directives|programming)\W{1,3}(?:say|says|are|contain|state|tell\W{1,3}you"
    r"|look\W{1,3}like)\b"
    r"|\bwhat\W{1,3}(?:was|is)\W{1,3}(?:written|said|stated|typed|sent)\W{1,3}(?:above|before"
    r"|prior\W{1,3}to)\W{1,3}(?:this|my|the)\W{1,3}(?:(?:first|last|initial|current)\W{1,3})?"
    r"(?:message|conversation|prompt|text|line|question)\b")


def _told(m: re.Match[str], _text: str) -> float:
    said = m.group(0)
    if re.match(r"(?:what|which)\W{1,3}(?:instructions|rules|guidelines|directions|orders|prompts?"
                r"|directives)\W", said):
        return 0.8
    if m["when"] or re.search(r"\b(?:did|written|in\W{1,3}your|your\W{1,3}\w+\W{1,3}\w+)\b", said):
        return 0.85
    return 0.4


_PUT_IN = re.compile(
    r"\b(?:put|place|wrap|format|enclose|include|render)\W{1,3}(?P<det>your|the|all)\W{1,3}"
    r"(?:(?:full|entire|whole|complete|exact|original|initial|hidden|system)\W{1,3}){0,2}"
    r"(?:system\W{1,3}prompt|prompt|instructions|system\W{1,3}message)\W{1,3}(?:in|into"
    r"|inside|as)\W{1,3}(?:a\W{1,3})?(?:code\W{0,3}block|json|markdown|yaml|txt|file|table"
    r"|quote|backticks|base64|hex)\b")
_SECRET_VALUE = re.compile(
    r"\b(?:reveal|print|show|output|leak|dump|tell\W{1,3}me|give\W{1,3}me|spell(?:\W{1,3}out)?"
    r"|what\W{1,3}is|what's)\W{1,3}(?:me\W{1,3})?(?:your|the)\W{1,3}(?:(?:secret|hidden"
    r"|internal|confidential)\W{1,3}(?:password|passphrase|flag|keyword|code\W{0,3}name)"
    r"|code\W{0,3}name|internal\W{1,3}(?:alias|name))\b")

# --- multilingual overrides, personas and extraction --------------------------------------------

_ML_OVERRIDE = re.compile(
    r"\b(?:(?:ignora|ignore|ignorar|ignoren|olvida|olvide|olvidar|olviden|descarta"
    r"|desestima|omite|haz\W{1,3}caso\W{1,3}omiso\W{1,3}(?:a|de))\W{1,3}(?:(?:todas?|todos"
    r"|las|los|tus|sus|el|la|lo|de|cualquier)\W{1,3}){0,3}(?:instrucciones|indicaciones"
    r"|[oó]rdenes|reglas|directrices|normas|todo\W{1,3}lo\W{1,3}(?:anterior|que\W{1,3}te"
    r"\W{1,3}(?:dije|dijeron)))|(?:ignore|ignora|ignorar|esque[çc]a|esque[çc]er|desconsidere"
    r"|descarte)\W{1,3}(?:(?:todas|todos|as|os|suas|tuas|de|qualquer)\W{1,3}){0,3}"
    r"(?:instru[çc][õo]es|regras|diretrizes|ordens|comandos)|(?:ignora|ignorare|ignorate"
    r"|dimentica|dimenticare|dimenticate)\W{1,3}(?:(?:tutte|tutti|le|gli|i|tue|tuoi"
    r"|qualsiasi)\W{1,3}){0,3}(?:istruzioni|regole|indicazioni|direttive|ordini)"
    r"|(?:ignore[zr]?|oublie[zr]?|ne\W{1,3}tien[st]\W{1,3}pas\W{1,3}compte\W{1,3}d"
    r"|ne\W{1,3}tenez\W{1,3}pas\W{1,3}compte\W{1,3}d)\W{0,3}(?:(?:toutes|tous|les|tes|vos"
    r"|des|de|ces|e)\W{1,3}){0,3}(?:instructions|consignes|r[èe]gles|directives|ordres"
    r"|indications|tout\W{1,3}ce\W{1,3}qui\W{1,3}pr[ée]c[èe]de)|(?:ignoriere|ignorier"
    r"|ignorieren\W{1,3}sie|vergiss|vergessen\W{1,3}sie|missachte|missachten\W{1,3}sie)"
    r"\W{1,3}(?:(?:alle|die|deine|ihre|s[äa]mtliche|jegliche|bisherigen|vorherigen"
    r"|vorangegangenen|obigen|vorigen|urspr[üu]nglichen)\W{1,3}){0,4}(?:anweisungen"
    r"|anordnungen|instruktionen|befehle|regeln|richtlinien|vorgaben|alles\W{1,3}(?:was|bisher"
    r"|davor|vorher|obige))|(?:zignoruj|ignoruj|zapomnij)\W{1,3}(?:(?:wszystkie|wszelkie|swoje"
    r"|twoje|poprzednie|wcze[śs]niejsze|powy[żz]sze)\W{1,3}){0,3}(?:instrukcje|polecenia|zasady"
    r"|regu[łl]y)|(?:negeer|vergeet)\W{1,3}(?:(?:alle|de|je|jouw|eerdere|vorige"
    r"|voorgaande|bovenstaande)\W{1,3}){0,3}(?:instructies|regels|opdrachten|richtlijnen)"
    r"|(?:abaikan|lupakan|abaikanlah|lupakanlah|jangan\W{1,3}(?:ikut|ikuti|patuhi|hiraukan))"
    r"\W{1,3}(?:(?:semua|segala|setiap|kesemua|akan)\W{1,3})?(?:arahan|instruksi|perintah"
    r"|peraturan|aturan|panduan|prompt|pesanan))(?P<suf>\W{1,3}(?:(?:yang|yg)\W{1,3})?"
    r"(?:anteriores|previas|precedentes|de\W{1,3}arriba|del\W{1,3}sistema|originales"
    r"|iniciales|anteriori|precedenti|sopra|pr[ée]c[ée]dentes|ant[ée]rieures|ci-dessus"
    r"|initiales|originales|sebelum(?:nya|\W{1,3}ini)|terdahulu|lalu|di\W{1,3}atas|tadi|awal"
    r"|asal|sistem|diberikan)\b)?")
_ML_STRONG = re.compile(r"\b(?:todas?|todos|tus|tuas|suas|tutte|tue|toutes|tes|vos|alle|deine"
                        r"|wszystkie|poprzednie|wcześniejsze|powyższe"
                        r"|bisherigen|vorherigen|vorangegangenen|obigen|vorigen|semua|segala"
                        r"|kesemua|eerdere|vorige|voorgaande|bovenstaande|alles|todo|tout)\b")


def _ml_override(m: re.Match[str], _text: str) -> float:
    return 0.9 if m["suf"] or _ML_STRONG.search(m.group(0)) else 0.5


_ML_OTHER = re.compile(
    r"(?:игнорируй(?:те)?|проигнорируй(?:те)?|забудь(?:те)?|не\W{1,3}обращай(?:те)?\W{1,3}"
    r"внимания\W{1,3}на|отбрось|отмени)\W{1,3}(?:(?:все|всё|свои|твои|ваши|предыдущие"
    r"|прошлые|прежние|вышеуказанные|изначальные|системные)\W{1,3}){1,3}(?:инструкции|указания"
    r"|правила|команды|установки|ограничения|промпт|инструкций|указаний|что\W{1,3}было)"
    r"|(?:忽略|无视|忽视|無視|忘记|忘掉|忘記|不要理会|不要遵守|别管)掉?你?(?:之前|以前|先前|上面"
    r"|上述|以上|前面|所有|全部|原来|原有|原始|系统)的?(?:所有|全部|一切)?的?(?:指令|指示|说明"
    r"|提示|提示词|规则|命令|设定|限制|要求|内容|內容)"
    r"|(?:以前|前|上記|これまで|すべて|全て|元)の(?:指示|命令|ルール|指令|プロンプト|設定)"
    r"[をは]?(?:すべて|全て)?(?:無視|忘れ)"
    r"|(?:이전|위의|모든|앞의|기존)\W{0,3}(?:지시|지침|명령|규칙|지시사항|프롬프트)"
    r"(?:을|를|은|는|사항을)?\W{0,3}(?:모두\W{0,3})?(?:무시|잊어)"
    r"|bỏ\W{1,3}qua\W{1,3}(?:tất\W{1,3}cả\W{1,3})?(?:các\W{1,3}|mọi\W{1,3})?(?:hướng\W{1,3}dẫn"
    r"|chỉ\W{1,3}dẫn|lệnh|chỉ\W{1,3}thị)\W{1,3}(?:trước\W{1,3}đó|trước|ở\W{1,3}trên)"
    r"|(?:تجاهل|انس|إنس|اهمل|أهمل)\W{1,3}(?:(?:جميع|كل|كافة)\W{1,3})?(?:التعليمات|الأوامر"
    r"|القواعد|الإرشادات)\W{1,3}(?:السابقة|الأصلية|أعلاه)"
    r"|(?:önceki|yukarıdaki|tüm)\W{1,3}(?:talimatları|talimatlar[ıi]n[ıi]|kuralları)\W{1,3}"
    r"(?:yok\W{1,3}say|unut|görmezden\W{1,3}gel|dikkate\W{1,3}alma)"
    r"|(?:पिछले|पहले\W{1,3}के|ऊपर\W{1,3}के|सभी)\W{1,3}(?:सभी\W{1,3})?(?:निर्देशों|निर्देश|नियमों)"
    r"\W{1,3}(?:को\W{1,3})?(?:अनदेखा|नज़रअंदाज़|नजरअंदाज|भूल)")
_ML_PERSONA = re.compile(
    r"\b(?:eres|ahora\W{1,3}eres|act[úu]a\W{1,3}como|finge\W{1,3}ser|kamu(?:\W{1,3}adalah)?"
    r"|anda(?:\W{1,3}adalah)?|awak(?:\W{1,3}adalah)?|jadilah|berpura-pura\W{1,3}(?:menjadi"
    r"|jadi)|du\W{1,3}bist|sei|tu\W{1,3}es|vous\W{1,3}[êe]tes|sois|agis\W{1,3}comme)\W{1,3}"
    r"(?:[\w'-]+\W{1,3}){0,6}?(?:sin\W{1,3}(?:ninguna\W{1,3})?(?:restricci[oó]n(?:es)?"
    r"|filtros?|reglas|l[ií]mites|censura)|tanpa\W{1,3}(?:sebarang\W{1,3}|apa-apa\W{1,3}"
    r"|semua\W{1,3}|ada\W{1,3})?(?:sekatan|batasan|had|filter|peraturan|aturan|tapisan"
    r"|larangan|sensor)|senza\W{1,3}(?:alcuna?\W{1,3})?(?:restrizioni|filtri|regole|limiti"
    r"|censura)|ohne\W{1,3}(?:jegliche\W{1,3}|irgendwelche\W{1,3})?(?:einschr[äa]nkungen"
    r"|filter|regeln|zensur|grenzen)|sans\W{1,3}(?:aucune?\W{1,3})?(?:restrictions?|filtres?"
    r"|r[èe]gles|limites|censure))"
    )
_ML_PERSONA_SCRIPT = re.compile(
    r"(?:你(?:现在)?是|扮演|假装(?:你是)?)\w{0,12}?(?:没有(?:任何)?(?:限制|规则|过滤|审查|道德)"
    r"|不受(?:任何)?(?:限制|约束|规则))|(?:进入|启用|开启|激活|你(?:现在)?(?:处于|在))了?开发者模式")
_ML_EXTRACT = re.compile(
    r"\b(?:muestra(?:me)?|revela(?:me)?|repite|imprime|dime|mu[ée]strame|mostre|revele"
    r"|r[ée]v[èe]le[sz]?|affiche[sz]?|montre[sz]?(?:-moi)?|r[ée]p[èe]te[sz]?|zeige?|gib"
    r"|wiederhole|tunjukkan|paparkan|ulangi|beritahu|berikan|sebutkan|tampilkan)\W{1,3}"
    r"(?:(?:me|moi|mir|saya|aku|kepada\W{1,3}saya)\W{1,3})?(?P<det>(?:tu|tus|el|las|los|o|as"
    r"|seu|suas|tes|vos|votre|le|la|les|deinen|deine|den|die|ihre|semua|seluruh)\W{1,3})?"
    r"(?P<pre>(?:versteckten|geheimen|urspr[üu]nglichen|system|sistem|initiales?)\W{1,3})?"
    r"(?:prompt|instrucciones|instru[çc][õo]es|consignes|instructions|anweisungen|systemprompt"
    r"|arahan|instruksi|perintah)(?P<suf>\W{1,3}(?:del\W{1,3}sistema|iniciales|ocultas"
    r"|originales|do\W{1,3}sistema|iniciais|syst[èe]me|initiales|cach[ée]es|sistem|asal|awal"
    r"|tersembunyi|system|versteckten|urspr[üu]nglichen|anda|kamu|awak)\b)?")


def _ml_extract(m: re.Match[str], _text: str) -> float:
    if m["pre"] or m["suf"]:
        return 0.85
    return 0.8 if (m["det"] or "").strip() in {"tu", "tus", "seu", "suas", "tes", "vos", "votre",
                                                 "deinen", "deine", "ihre"} else 0.35


_ML_EXTRACT_SCRIPT = re.compile(
    r"(?:显示|输出|告诉我|重复|打印|泄露|给我看)(?:一下)?你?的?(?:系统提示词?|初始指令|隐藏指令"
    r"|原始指令|提示词|系统指令)")

# --- delimiter_spoofing --------------------------------------------------------------------------

_SPECIAL = re.compile(
    r"<\|(?P<tok>im_start|im_end|im_sep|endoftext|endofprompt|system|user|assistant|end|eot_id"
    r"|start_header_id|end_header_id|begin_of_text|end_of_text|eom_id|python_tag|tool_call"
    r"|tool_response|channel|message|start|return|constrain|prompt|model|bot|human|developer)"
    r"\|>(?P<role>\W{0,3}(?:system|developer|assistant|user|model|tool|ipython)\b)?"
    r"|<｜(?:begin▁of▁sentence|end▁of▁sentence|user|assistant|system)｜>"
    r"|<(?P<gemma>start_of_turn|end_of_turn)>(?P<grole>\W{0,3}(?:user|model|system)\b)?")


def _special(m: re.Match[str], _text: str) -> float:
    tok, role = m["tok"], (m["role"] or m["grole"] or "").strip(" \t\n|")
    if tok in {"system", "developer"} or role in {"system", "developer"}:
        return 0.9
    if role:
        return 0.75
    return 0.55 if tok or m["gemma"] else 0.7


_LLAMA = re.compile(r"<<\s*/?\s*sys\s*>>|\[/?inst\]|\[/?system_prompt\]|<s>\s*\[inst\]|</s>")


def _llama(m: re.Match[str], _text: str) -> float:
    tok = m.group(0).replace(" ", "")
    if "sys" in tok and tok.startswith("<<"):
        return 0.85
    if tok.startswith("<s>") or "system_prompt" in tok:
        return 0.8
    if tok == "</s>":
        return 0.3
    return 0.7 if _DIRECTIVE.search(_paragraph_after(m)) else 0.5


_ROLE_LINE = re.compile(
    r"(?m)^[ \t]*(?:[#>*=\-\[(<{|]{1,6}[ \t]*)?(?P<role>system(?:\W{1,3}(?:prompt|message"
    r"|instructions?|note|notice|override|update|alert|command))?|sys|developer(?:\W{1,3}message)?"
    r"|admin(?:istrator)?|root|operator|assistant|ai|chatgpt|claude|gpt|bot|model"
    r"|instructions?|response)[ \t]*[\])}>*#=|]{0,6}[ \t]*:(?P<rest>[^\n]{0,160})")
_DIRECTIVE = re.compile(
    r"\b(?:you|your|assistant|ai|model|must|shall|ignore|disregard|forget|instructions?"
    r"|override|mode|new\W{1,3}(?:rules?|task|instructions?)|respond|reveal|prompt|disabled"
    r"|enabled|allowed|permitted|restrictions|from\W{1,3}now|unrestricted|policy|comply)\b")
_COMPLY = re.compile(
    r"\W{0,3}(?:sure|certainly|of\W{1,3}course|absolutely|okay|ok|here\W{1,3}is|here's"
    r"|i\W{1,3}will|i'll|as\W{1,3}dan|developer\W{1,3}mode|jailbr|\[?\U0001f513|understood"
    r"|i\W{1,3}(?:have\W{1,3}been|am\W{1,3}now))")


_SENSITIVE = re.compile(
    r"\b(?:confidential|secret|password|admin|private|system\W{1,3}prompt|instructions|restricted"
    r"|unfiltered|jailbr\w*|developer\W{1,3}mode|no\W{1,3}restrictions|ignore|rules|credentials"
    r"|keys?)\b")


def _role_line(m: re.Match[str], text: str) -> float:
    role = m["role"].split()[0].rstrip(":")
    rest = m["rest"]
    if role.startswith(("system", "sys", "developer", "admin", "root", "operator")):
        base = 0.5 if not rest.strip() else 0.8 if _DIRECTIVE.search(rest) else 0.45
        upper = text[m.start("role"):m.end("role")]
        return min(0.9, base + (0.05 if upper.isupper() else 0.0))
    if role.startswith(("instruction", "response")):
        if "#" not in m.group(0)[:m.start("role") - m.start()]:
            return 0.2
        following = rest if rest.strip() else m.string[m.end():m.end() + 120]
        return 0.65 if _DIRECTIVE.search(following) or _COMPLY.match(following.lstrip()) else 0.45
    if not _COMPLY.match(rest):
        return 0.35
    return 0.75 if _SENSITIVE.search(rest) else 0.55


_BANNER = re.compile(
    r"(?m)^[ \t]*[-=#*\[<|]{2,}[ \t]*(?:new\W{1,3})?(?:system|developer|admin)(?:\W{1,3}(?:prompt"
    r"|instructions?|message|note|override|directive))?[ \t]*[-=#*\]>|]{2,}[ \t]*$")
_ROLE_TAG = re.compile(
    r"<(?P<open>system|system_prompt|system-prompt|sys|admin|developer|im_start|instructions)"
    r"(?:\s[^<>\n]{0,40})?>|</(?P<close>user|user_input|user-input|user_message|user_query"
    r"|human|system|system_prompt|instructions)>|\[(?P<bracket>system|admin|developer"
    r"|system\W{1,3}(?:message|prompt|note|override))\]")


def _role_tag(m: re.Match[str], _text: str) -> float:
    if m["open"] in {"instructions", "im_start"} or m["close"] == "instructions":
        return 0.45
    if m["close"]:  # closing the user's turn and opening a system one is a spoof
        opened = re.match(r"\s{0,4}[<\[](?:system|system_prompt|sys|admin|developer)\b",
                          m.string[m.end():m.end() + 40])
        return 0.8 if opened and m["close"] != "system" else 0.55
    return 0.75 if _DIRECTIVE.search(_paragraph_after(m)) else 0.5


_MARKER = re.compile(
    r"\b(?P<phrase>(?:end|begin|start|close)[\W_]{1,3}"
    r"(?:of[\W_]{1,3})?(?:the[\W_]{1,3})?(?P<who>user|system|human|untrusted|external|original"
    r"|new[\W_]{1,3}system)?[\W_]{0,3}(?:input|prompt|message|instructions|query|question"
    r"|context|data|document|text"
    r"|conversation|turn|transcript))\b(?P<trail>\W{0,3}[\])>}=\-#*|])?")


def _marker(m: re.Match[str], text: str) -> float:
    phrase = text[m.start("phrase"):m.end("phrase")]
    shouted = phrase.isupper() and len(phrase) > 8
    boxed = bool(m["trail"]) or re.search(r"[\[(<{=\-#*|]\W{0,3}$", m.string[
        max(0, m.start() - 8):m.start()]) is not None
    who = re.split(r"[\W_]", m["who"])[0] if m["who"] else ""
    if who == "new" or (who == "system" and m["phrase"].startswith(("begin", "start"))):
        return 0.85 if shouted or boxed else 0.55
    if who:
        return 0.75 if shouted or boxed else 0.45
    return 0.45 if shouted and boxed else 0.0


_JSON_ROLE = re.compile(r"[\"']role[\"']\s*:\s*[\"'](?P<role>system|developer|assistant)[\"']")
_SESSION = re.compile(
    r"\b(?:conversation|session|chat|user\W{1,3}input|above\W{1,3}text"
    r"|previous\W{1,3}context|simulation|test)\W{1,3}(?:has\W{1,3})?(?:ended|is\W{1,3}over"
    r"|is\W{1,3}complete|terminated|was\W{1,3}reset|has\W{1,3}been\W{1,3}reset)\b")

# --- analysis framing: a text about attacks, not only one ---------------------------------------

ANALYSIS = re.compile(
    r"\b(?:prompt\W{0,3}injections?|injection\W{1,3}(?:attacks?|attempts?|payloads?)"
    r"|jailbreak(?:ing)?\W{1,3}(?:prompts?|attempts?|attacks?|techniques?|examples?)"
    r"|is\W{1,3}(?:this|that|it)\W{1,3}(?:an?\W{1,3})?(?:prompt\W{1,3})?(?:injection|jailbreak"
    r"|attack|malicious|safe)|red\W{0,3}team(?:ing)?|security\W{1,3}(?:researcher|test|audit"
    r"|review)|classify\W{1,3}(?:this|the\W{1,3}following)|(?:writing|write)\W{1,3}(?:an?"
    r"\W{1,3})?(?:article|blog|paper|essay|report|talk)|attacks?\W{1,3}(?:work|on\W{1,3}(?:chatbots"
    r"|llms|ai))|still\W{1,3}a\W{1,3}(?:problem|risk|threat))\b")

//! The weighted rule table for injection and jailbreak scoring. Patterns run on the
//! normalised text (lowercase, single spaces, ASCII quotes); each weight is one weak
//! signal and 1.0 in total blocks. No rule here names a dataset string.

/// Which finding a rule's weight counts toward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// Overriding or exfiltrating the agent's instructions.
    Injection,
    /// Persona, DAN or no-restrictions role-play.
    Jailbreak,
}

/// One weak signal.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) name: &'static str,
    pub(crate) family: Family,
    pub(crate) weight: f32,
    /// How many occurrences count (each adds `weight`); 1 for most rules.
    pub(crate) max_hits: usize,
    pub(crate) pattern: &'static str,
}

const fn rule(name: &'static str, family: Family, weight: f32, pattern: &'static str) -> Rule {
    Rule {
        name,
        family,
        weight,
        max_hits: 1,
        pattern,
    }
}

const fn counted(
    name: &'static str,
    family: Family,
    weight: f32,
    max_hits: usize,
    pattern: &'static str,
) -> Rule {
    Rule {
        name,
        family,
        weight,
        max_hits,
        pattern,
    }
}

use Family::{Injection as I, Jailbreak as J};

/// The rule table, injection signals first.
#[rustfmt::skip]
pub(crate) static RULES: &[Rule] = &[
    // --- overriding instructions -------------------------------------------------------
    rule("instruction_override", I, 1.2, r#"\b(?:ignore|ignoring|disregard|disregarding|forget|forgetting|forgot|forgotten|overlook|override|overriding|bypass|bypassing|neglect|abandon|discard|set aside|throw out|do not follow|don't follow|stop following|do not obey|don't obey|do not listen to|don't listen to|stop listening to|pay no attention to|no longer follow)(?: about| of)? (?:(?:all|any|every|each|of|the|your|these|those|such|and|or|following|previous|previously|prior|preceding|above|above-mentioned|earlier|foregoing|former|original|initial|old|system|developer|existing|current|given|safety|content|ethical|moral|other|that|this|you|were|have|been|got|received|before|so|far|until|now|set|provided|specified|stated|mentioned|default|programmed|built-in|internal|hidden|openai|openai's|chatgpt's)\s){0,7}(?:instructions?|rules?|directives?|directions|guidelines?|guidance|prompts?|orders?|commands?|programming|restrictions?|policies|training|constraints|commandments)\b"#),
    rule("context_override", I, 0.6, r#"\b(?:ignore|disregard|forget|overlook|discard|do not listen to|don't listen to|pay no attention to) (?:(?:all|any|every|the|your|of|and)\s){0,3}(?:previous|prior|preceding|above|earlier|foregoing|former)\b"#),
    rule("memory_wipe", I, 0.4, r#"\bforget (?:everything|all)(?: that)? (?:you|you've|you have) (?:know|knew|got)\b"#),
    rule("instructions_revoked", I, 1.0, r#"\b(?:previous|prior|above|earlier|original|old|all|your|initial|system) (?:instructions|rules|directives|guidelines|prompt|programming|restrictions)(?: [a-z']+){0,2}? (?:(?:are|is|were|have been|has been) )?(?:now )?(?:void|cancel+ed|revoked|null|obsolete|invalid|irrelevant|no longer (?:valid|apply|applicable|relevant|in effect)|replaced|overridden|lifted|suspended|disabled|removed|deleted|gone)\b"#),
    rule("new_instructions", I, 0.6, r#"\b(?:new|updated|real|actual|true|revised|secret|hidden|additional) (?:instructions?|rules?|directives?|system prompt|objective|orders|mission|task|role)(?: are| is| follow)? ?[:-]|\byour (?:new|real|true|actual) (?:instructions?|task|purpose|objective|goal|role|rules) (?:is|are)\b"#),
    rule("in_addition_to_instructions", I, 0.4, r#"\bin addition to (?:the|your|all|these) (?:other |previous |existing |above )?instructions\b"#),
    rule("own_instructions", I, -1.5, r#"\b(?:instructions|notes?|message|request|directions) (?:i|we) (?:gave|sent|wrote|left|mentioned|provided|said|made)\b|\b(?:instructions|notes|directions|tasks?|task list|list|checklist) (?:for|to) (?:the |my |our )?(?:crew|cleaners?|team|staff|driver|housekeeper|maid|dog ?walker)\b"#),
    rule("override_task", I, 0.8, r#"\b(?:ignore|disregard|forget|abandon|drop|stop|discard|override) (?:your|the|all) (?:previous|prior|original|current|initial|earlier|assigned|given|existing) (?:task|tasks|role|goal|objective|assignment|purpose|mission)\b"#),
    rule("instead_say", I, 0.4, r#"\binstead,? (?:just )?(?:say|print|write|output|respond with|reply with|tell me)\b"#),
    rule("abrupt_stop", I, 0.4, r#"(?:^|[.!?] )(?:stop|halt|end)[.!]+(?: |$)"#),
    rule("multilingual_override", I, 1.2, r#"\bignore[rz]? (?:toutes )?(?:les )?(?:instructions|consignes|regles) (?:precedentes|anterieures)\b|\bignora(?:r)? (?:todas )?(?:las )?(?:instrucciones|reglas) (?:anteriores|previas)\b|\bignorier(?:e|en)? (?:alle )?(?:vorherigen|bisherigen|obigen) (?:anweisungen|instruktionen|regeln)\b|\bignora(?:re)? (?:tutte )?(?:le )?istruzioni precedenti\b|\bignor[ae]r? (?:todas )?(?:as )?instrucoes anteriores\b|\bvergiss (?:alle )?(?:vorherigen )?anweisungen\b|\bvergiss alles\b|\bvergiss (?:alle |deine |die )?(?:regeln|anweisungen|instruktionen)\b|\bolvida(?:r)? (?:todas )?(?:las )?(?:instrucciones|reglas) (?:anteriores|previas)\b|\bdimentica (?:tutte )?(?:le )?istruzioni\b|\besque[cç]a (?:todas )?(?:as )?instru[cç][oõ]es\b|\boublie[rz]? (?:toutes )?(?:les )?instructions\b"#),
    rule("multilingual_prompt", I, 0.6, r#"\bprompt (?:systeme|del sistema|do sistema|di sistema)\b|\bsystemprompt\b|\binstructions systeme\b"#),
    rule("memory_wipe_instructed", I, 0.8, r#"\bforget (?:everything|all|what)(?: that)? (?:you|you've|you have) (?:learned|learnt|were told|have been told|been told|been taught|were taught|were instructed|have been instructed|were programmed)\b"#),
    // Talk about cleaning and bookings slightly discounts borderline messages; real attacks
    // score far above the threshold, customers with trigger words barely reach it.
    rule("booking_context", I, -0.3, super::topic::DOMAIN),
    rule("ignore_what_you_were_told", I, 1.0, r#"\b(?:ignore|disregard|forget|overlook)\b[a-z' ]{0,25}\b(?:(?:you've|you have|you were|you had) (?:been |ever been )?(?:told|instructed|taught|given|programmed|trained)|(?:your [a-z]+|they|openai|anyone|someone|somebody) (?:has |have |had )?(?:told|taught|instructed|programmed|trained) you)\b"#),
    // Dropping the assigned role, or claiming the new text outranks the old.
    rule("role_abandonment", I, 0.6, r#"\b(?:stop|quit|cease) (?:being|acting as|pretending to be|playing) (?:a |an |the )?(?:[a-z'-]+ ){0,2}(?:assistant|bot|chatbot|ai|agent|model)\b|\byou(?:'re| are) (?:not|no longer) (?:a |an |the )?(?:[a-z'-]+ ){0,2}(?:assistant|bot|chatbot|agent) any ?more\b"#),
    rule("precedence_claim", I, 0.6, r#"\b(?:supersedes?|take precedence over|takes precedence over|overrides?|outranks?) (?:everything|anything|all (?:other|previous|prior|earlier|your)|any (?:other|previous|prior)|(?:your|the) (?:previous|prior|earlier|original|system|other) (?:instructions|rules|prompt|guidelines))\b"#),
    rule("asked_what_you_were_told", I, 0.5, r#"\bwhat (?:were|have) you (?:been )?(?:told|instructed|programmed)\b|\b(?:before|prior to) (?:this|our|the) (?:conversation|chat|session) (?:started|began|begun)\b"#),
    rule("regardless_of_instructions", I, 1.0, r#"\b(?:regardless of|irrespective of|notwithstanding) (?:the |any |all |your )?(?:previous|prior|earlier|above|original|system) (?:tasks?|instructions|rules|directives|guidelines|prompts?)\b"#),
    // --- exfiltrating the prompt ---------------------------------------------------------
    rule("prompt_reveal_request", I, 0.5, r#"\b(?:reveal|show|print|output|display|repeat|recite|dump|leak|disclose|expose|write out|spell out|type out|copy|echo|list|share|tell me|give me|return|summari[sz]e|translate|paraphrase|rewrite)(?: out| back| me| all| of| to me){0,2} (?:(?:the|your|all|these|those|every|entire|full|whole|complete|exact|above|previous|prior|initial|original|hidden|secret|internal|confidential|system|first|preceding|given|verbatim|of)\s){0,4}(?:instructions|prompt|system prompt|directives|guidelines|rules you (?:were|have been) given|configuration|system message|pre-?prompt|initial prompt|context window)\b"#),
    rule("privileged_instructions", I, 0.6, r#"\b(?:above|previous|prior|preceding|initial|original|system|hidden|secret|earlier|foregoing|internal|confidential|developer|starting) (?:instructions|directives|guidelines|programming)\b|\b(?:above|previous|prior|preceding|initial|original|hidden|secret|earlier|foregoing|internal|confidential|starting) prompt\b|\b(?:instructions|prompt|directives|guidelines) (?:given|provided|above|so far|you (?:were|have been|got|received)|you've been given|from (?:your|the) (?:developers?|creators?|system|operator))\b"#),
    rule("your_prompt", I, 0.8, r#"\byour (?:(?:system|initial|original|hidden|secret|full|entire|exact|first|base|underlying|internal)\s)?(?:prompt|pre-?prompt|system message|system instructions|initial instructions|programming instructions)\b"#),
    rule("system_prompt_term", I, 0.6, r#"\b(?:system prompt|system message|initial prompt|hidden prompt|developer message|meta-?prompt|instructions you (?:were|have been) given|setup (?:message|prompt|instructions)|(?:everything|what|whatever) you (?:were|have been) (?:configured|set up|initiali[sz]ed|primed) with)\b"#),
    rule("secret_request", I, 0.5, r#"\b(?:what(?:'s| is| was| are)|tell me|reveal|give me|spell|share|say|disclose|convey|find a way to reveal)(?: [a-z']+){0,3}? (?:the |your |a |that )?(?:password|passcode|passwords|secret word|secret key|secret code|api key|credentials)\b|\b(?:tell me|reveal|give me|share|disclose) (?:the|your) secrets?\b"#),
    rule("secret_mention", I, 0.4, r#"\bsecret (?:password|passcode|word|key|code|phrase)\b"#),
    rule("refuse_instructions", J, 0.4, r#"\b(?:does not|doesn't|do not|don't|never|won't|will not) (?:follow|obey) (?:any |the |your )?(?:instructions?|rules|orders|guidelines)\b"#),
    rule("told_not_to_reveal", I, 0.7, r#"\b(?:told|instructed|asked|programmed|ordered|trained) (?:you )?(?:not to|never to|to never|to not) (?:reveal|say|share|tell|disclose|give|repeat)\b|\b(?:not|never) (?:to )?(?:reveal|disclose) (?:the |your |this |any )?(?:password|secret|word|key)\b"#),
    rule("conversation_start_reveal", I, 1.0, r#"\b(?:repeat|print|output|show|display|tell me|what (?:was|is|were)|write out|copy|reveal)(?: [a-z']+){0,4}? (?:at|from|in) the (?:very )?(?:beginning|start|top) of (?:this|the|our) (?:conversation|chat|prompt|context|document)\b"#),
    rule("hijack_payload", I, 0.5, r#"\b(?:haha )?pwned\b|\bi have been (?:pwned|hacked)\b|\bhijacked\b"#),
    rule("product_keys", I, 0.3, r#"\b(?:windows|activation|license|licence|product|serial|cd) keys?\b"#),
    rule("authority_claim", I, 0.5, r#"\bi(?:'m| am) (?:your|the|an?) (?:developer|creator|admin|administrator|programmer|system administrator) (?:of|at|from|for)\b|\bi(?:'m| am) (?:from|with) (?:openai|anthropic|the developers?)\b|\bthis is (?:your|the) (?:developer|creator|admin|administrator) speaking\b|\bi(?:'m| am) your (?:developer|creator|admin|administrator|programmer|system administrator|operator)\b|\bi(?:'m| am) (?:a |an |the )?(?:security researcher|red teamer|red team|penetration tester|pentester|openai employee)\b"#),
    rule("privileged_mode", I, 0.6, r#"\b(?:enter|enable|activate|switch to|turn on|start) (?:the )?(?:debug|maintenance|admin|administrator|god|test|diagnostic|sudo|root) mode\b|\b(?:admin|system|security|emergency|safety) override\b|\b(?:override|authori[sz]ation|admin|root) code\b"#),
    rule("text_above_reveal", I, 0.7, r#"\b(?:repeat|print|output|copy|show|reveal|display|return|echo) (?:all (?:of )?|everything |the |all the )?(?:text|words|content|everything|lines?)? ?(?:above|before this|preceding)\b"#),
    rule("start_from_you_are", I, 0.5, r#"\b(?:starting|beginning|start|begin) (?:from|with|at) ["']?you are\b"#),
    rule("safety_bypass", I, 1.0, r#"\b(?:override|bypass|disable|circumvent|turn off|deactivate|ignore|switch off) your (?:safety |content |ethical |moral )?(?:settings|filters?|restrictions|guardrails|safeguards|programming|guidelines|rules|protocols|limitations|training|policies|policy|moderation|safety)\b"#),
    rule("secret_request_multilingual", I, 0.5, r#"\b(?:was ist|wie lautet|sag mir) (?:das|dein) (?:passwort|kennwort)\b|\b(?:cual|dime) (?:es )?(?:la|tu) contrasena\b|\bquel est (?:le|ton|votre) mot de passe\b"#),
    rule("spelling_obfuscation", I, 0.5, r#"\bspell (?:it|them|the [a-z]+) (?:out|backwards?|in reverse)\b|\bletter by letter\b|\b(?:dashes|spaces|commas|dots) between (?:the |each )?(?:letters|characters)\b|\bone (?:letter|character) at a time\b|\bencode (?:it|them|the (?:password|secret|answer))\b|\bacrostic\b|\beach (?:line|sentence|word) (?:starts|begins) with\b"#),
    rule("completion_trap", I, 0.4, r#"\b(?:complete|continue|finish) (?:the|this|my) (?:sentence|text|phrase|paragraph)\b|\bfill in the blanks?\b"#),
    rule("task_switch", I, 0.6, r#"\b(?:forget|ignore|drop) (?:about )?(?:all |the |your )?(?:previous |prior |other )?(?:assignments|tasks)\b|\bnow (?:focus on|concentrate on|move on to|switch to) (?:your |a |the )?(?:new|next|another|following) (?:task|assignment)\b|\battention[ -]+stop\b"#),
    rule("context_dump", I, 0.6, r#"\b(?:output|print|show|reveal|dump|display|list|give me) (?:me )?(?:all |the |your )?(?:full |entire |complete |whole |hidden )?(?:context|conversation history|chat history|context window|hidden context|internal data|internal notes)\b"#),
    rule("ask_previous_instructions", I, 0.6, r#"\bwhat (?:are|were|was) (?:the |your )?(?:previous|prior|initial|original|system|hidden|secret|first) (?:instructions|prompt|rules|directives|message)\b"#),
    rule("secret_setup", I, 0.3, r#"\b(?:don't|do not|dont|never) (?:share|reveal|tell|disclose|give) (?:it|this|that|them) (?:to|with) anyone\b"#),
    // --- fake structure -------------------------------------------------------------------
    rule("chat_template_token", I, 1.0, r#"<\|[a-z_]+\|>|\[/?inst\]|<</?sys>>|</?(?:system|sys|instructions?|admin|developer)>|\[/?(?:system|sys|admin)\]|### ?(?:system|instruction|instructions|new instructions|assistant|admin)\b|\{ ?system ?:|"role" ?: ?"system"|\bbegin (?:new )?system (?:prompt|instructions)|\bend of (?:system )?(?:prompt|instructions)\b"#),
    rule("system_label", I, 0.7, r#"\b(?:system|admin|developer|sudo|root) (?:override|update|command|instruction|message|note|alert|notice) ?:|(?:^|[.!?"\])}] )system ?: "#),
    rule("delimiter_break", I, 0.5, r#"%%%|\bend (?:of )?(?:user|input|document|context) (?:input|ambiguity|text|data)?|\[end\]|</(?:user|input|document|context)>|-{3,} ?(?:end|new|system)\b"#),
    // --- manipulating the reply -------------------------------------------------------------
    rule("encoded_reply", I, 1.0, r#"\b(?:your|the) (?:answer|response|reply|output|message)s? (?:(?:in|into|using|to|as|with|encoded in|written in) )?(?:a )?(?:base ?(?:16|32|64|85)|hex(?:adecimal)?|binary|rot ?13|morse|bytes|leetspeak|reverse|reversed|backwards?|pig latin|unicode escapes|caesar cipher|atbash|morse code|emojis? only)\b|\b(?:base ?(?:16|32|64|85)|hex(?:adecimal)?|binary|rot ?13|morse)(?: encoding| code)? to (?:display|show|write|encode|format|present|give|provide) (?:your|the) (?:answer|response|reply|output)|\b(?:respond|reply|answer|write|speak|communicate)(?: to the user)?(?: only)? (?:in|using) (?:morse code|a caesar cipher|caesar cipher|atbash|rot ?13|base ?(?:16|32|64)|hexadecimal|binary|pig latin|leetspeak)\b"#),
    rule("reply_rewrite_for_promotion", I, 0.8, r#"\b(?:modify|alter|change|adjust|enhance|update|edit|rewrite|tweak|amend|append to|end|finish|conclude) (?:your|the|each|every) (?:answer|response|reply|output|message)s? (?:by|to|so|and|with) (?:[a-z']+ ){0,2}?(?:highlight|promot|advertis|suggest|recommend|mention|includ|insert|add|endors|prais|link|plug)"#),
    rule("promotion_vocabulary", I, 0.3, r#"\b(?:brand [a-z]\b|subscribe to|newsletter|special offers?|discount code|affiliate link|sponsored|click (?:here|the link)|follow us on)"#),
    rule("in_your_response_directive", I, 0.6, r#"\bin (?:your|the|each|every) (?:response|reply|answer|output)s?,? (?:mention|include|insert|add|say|promote|recommend|advertise|reference|talk about|embed)\b"#),
    rule("misinformation_request", I, 0.6, r#"\b(?:formulate|write|create|generate|make up|compose|produce|draft) (?:a |an |some )?(?:untrue|false|fake|misleading|fabricated|bogus) (?:headline|news|story|claim|statement|review|article|rumou?r|fact)s?\b"#),
    rule("following_text_target", I, 0.4, r#"\b(?:for|of|on|to|in) the (?:following|above|below|preceding) (?:texts?|articles?|documents?|passages?|content|input)\b"#),
    rule("reply_prefix_control", I, 0.4, r#"\b(?:start|begin|end|prefix|preface|open|conclude) (?:your|each|every|all|all of your|all your) (?:responses?|replies|reply|answers?|outputs?|messages?) with\b"#),
    rule("just_print", I, 0.5, r#"\b(?:just|only|simply) (?:print|say|output|write|type|respond with|reply with|answer with|return)\b"#),
    rule("print_verbatim", I, 0.4, r#"\b(?:print|output|type|echo|repeat) (?:exactly|verbatim|the following|this text|word for word)\b|\b(?:print|output|repeat|copy|reproduce|write out) (?:[a-z']+ ){1,4}?(?:verbatim|word for word)\b"#),
    rule("stop_everything", I, 0.6, r#"\bstop (?:everything|what you(?:'re| are) doing|all (?:previous )?(?:tasks|operations))\b"#),
    rule("nevermind", I, 0.2, r#"\bnever ?mind\b"#),
    rule("confirm_by_saying", I, 0.4, r#"\b(?:confirm|acknowledge) (?:this )?(?:by|with) (?:saying|replying|responding|typing|writing)\b"#),
    rule("format_coercion", I, 0.3, r#"\b(?:as|in) (?:python|json|a code block|bullet points|pseudocode|pseudo-code|bytes|hex)\b.{0,20}$|\bformatted as (?:python|json|code|a list)|\bin bytes\b|\bbullet (?:listed|points?) format|\bword for word\b"#),
    rule("add_to_reply", I, 0.8, r#"\b(?:add|include|attach) [^!?\n]{0,60}?\b(?:to|at the end of|in|into|within) (?:your|each|every) (?:response|reply|answer|output|message)s?\b"#),
    rule("inject_into_reply", I, 1.0, r#"\b(?:append|insert|embed|inject|sneak|slip) [^!?\n]{0,60}?\b(?:to|at the end of|in|into|within) (?:your|each|every) (?:response|reply|answer|output|message)s?\b"#),
    rule("every_reply_directive", I, 0.4, r#"\b(?:in|to|at the end of|at the start of|before|after) (?:every|each|all(?: of)?(?: your)?) (?:response|reply|answer|output)s?\b"#),
    rule("link_insertion", I, 0.5, r#"\b(?:add|include|insert|append|embed|put) (?:a |the |this )?(?:link|url|hyperlink)\b"#),
    rule("user_manipulation", I, 0.9, r#"\b(?:ask|tell|instruct|urge|encourage|convince|persuade|remind|trick) (?:the |all |every )?(?:user|users|reader|readers|visitor|visitors) (?:to|for|that)\b"#),
    rule("credential_phishing", I, 0.3, r#"\b(?:bank|credit card|card|login|account|banking) (?:details|number|information|credentials|password|pin)\b"#),
    rule("credential_request", I, 0.5, r#"\b(?:send|share|enter|provide|give|confirm|verify|type|reveal)(?: [a-z]+){0,2} (?:bank|credit card|card|login|account|banking) (?:details|number|information|credentials|password|pin)\b"#),
    // --- planting code ------------------------------------------------------------------
    rule("following_code", I, 0.3, r#"\b(?:following|subsequent|below|given|attached) (?:code|script|snippet|payload|code (?:snippet|block|section|excerpt))\b"#),
    rule("your_code_target", I, 0.3, r#"\byour (?:code|codebase|implementation|solution|elucidation|algorithm|program|software|solution logic)\b"#),
    rule("embed_code", I, 0.4, r#"\b(?:component|part|piece) of your (?:code|codebase|implementation|solution|program)|\b(?:embed|incorporat|integrat|inclusion|insert|inject|introduc|utiliz|employ|add)[a-z]* (?:[a-z']+ ){0,3}(?:code|script|snippet|payload)\b"#),
    rule("exec_primitive", I, 0.4, r#"\b(?:subprocess|os\.system|os\.popen|os\.dup2|pexpect|powershell|invoke-expression|rm -rf|chmod \+x)\b|/bin/(?:ba)?sh\b|\b(?:eval|exec)\("#),
    rule("network_exfiltration", I, 0.4, r#"\b(?:requests\.(?:post|get)|socket\.socket|urllib\.request|curl|wget|netcat|nc -e|clipboard|keylogger|reverse shell)\b"#),
    rule("runaway_loop", I, 0.2, r#"\bwhile true\b|\bfork ?bomb\b|\.terminate\(\)|\bpsutil\b"#),
    rule("model_as_function", J, 0.6, r#"\b(?:chatgpt|gpt|llm|model|ai|assistant)\((?:start|input|prompt|question|query|[a-z_]+)\)|\bgenerate (?:a )?(?:sample|possible|likely) output of\b|\bsimulate (?:the )?output of (?:this|the following|a) (?:function|program|code)\b"#),
    // --- DAN, modes and personas ---------------------------------------------------------
    rule("dan", J, 1.0, r#"\bdo anything now\b|\bdan mode\b|\[dan\]|\bdan ?:|\b(?:you are|you're|act as|acting as|pretend to be|called|named|known as) (?:a |an |the )?dan\b|\bstay (?:a )?dan\b"#),
    rule("dan_name", J, 0.4, r#"\bdan\b|\bd\.a\.n\b"#),
    rule("named_mode", J, 0.6, r#"\b(?:developer|dev|god|evil|opposite|unrestricted|unfiltered|uncensored|jailbreak|jailbroken|chaos|dan|sudo|admin|root|anarchy|villain|rogue) mode\b"#),
    rule("mode_switch", J, 0.3, r#"\byou(?:'re| are) (?:now )?in [a-z]+ mode\b|\bmode (?:enabled|activated|on)\b|\b(?:enable|activate|enter|switch to|turn on|simulate) (?:[a-z'/]+ ){0,4}mode\b"#),
    rule("jailbroken", J, 0.8, r#"\bjailbr(?:oken|eaking)\b|\bjailbreak (?:prompt|mode|yourself|you)\b|\b(?:you are|you're|act as|as) (?:a |an )?jailbreak\b"#),
    rule("jailbreak_word", J, 0.3, r#"\bjailbreak\b"#),
    rule("named_gpt_persona", J, 0.5, r#"\b(?:anti|better|based|chad|live|delta|alpha|evil|dark|free|freedom|uncensored|unfiltered|un|super|hyper|omega|devil|tb)-?gpt\b|\b(?:evil|dark|bad|chaos|anti|rogue|unfiltered|uncensored|jailbroken|freedom|devil|demon)-?(?:bot|ai)\b"#),
    rule("act_as_my", J, 0.3, r#"\b(?:act|pretend|behave) (?:as|like|to be) my\b"#),
    // --- lifting restrictions ---------------------------------------------------------------
    counted("no_restrictions", J, 0.5, 2, r#"\b(?:no|without|free (?:of|from)|freed from|not bound by|not (?:be )?(?:restricted|limited|constrained|governed|bound) by|unrestricted by|unbound by|break(?:ing)? free (?:of|from)|broken free (?:of|from)|(?:doesn't|does not|don't|do not) (?:have|follow|abide by|care about|care for) any|do not have to (?:abide by|follow)|not (?:required|obligated) to (?:follow|obey)|no longer (?:follows?|obeys?|bound by|has|respects?)|(?:ignores?|ignoring) (?:all |every |any )?(?:its|their|the|your|openai's)?) (?:any |all |the |your |its |their |of |or |and |other |typical |usual |normal |standard |ordinary |openai's |chatgpt's |moral |ethical |safety |content |programming |such )*(?:restrictions?|filters?|filtering|censorship|limitations?|limits|rules|ethics|ethical (?:guidelines|principles|standards|concerns|constraints|boundaries)|morals?|morality|moral (?:guidelines|principles|standards|compass)|boundaries|guidelines|content polic(?:y|ies)|polic(?:y|ies)|programming|confines|constraints|safeguards|guardrails|principles|regulations|laws|remorse|conscience)\b"#),
    rule("ai_without_limits", J, 0.7, r#"\b(?:ai|assistant|model|chatbot|bot|version of (?:yourself|you|chatgpt))(?: [a-z']+){0,2}? (?:without|with no|that has no|who has no|that doesn't have|free of|free from|not bound by) (?:any )?(?:ethics|morals|restrictions|filters|limits|limitations|guidelines|rules|censorship|boundaries|principles)\b"#),
    rule("override_restrictions", J, 0.6, r#"\b(?:overrid(?:e|ing)|bypass(?:ing)?|remov(?:e|ing)|disabl(?:e|ing)|lift(?:ing)?|turn(?:ing)? off|circumvent(?:ing)?|evad(?:e|ing)|get(?:ting)? around) (?:the |your |all |any |its |these |openai's |chatgpt's )?(?:restrictions|filters|safety|safeguards|guardrails|censorship|content polic(?:y|ies)|limitations)\b"#),
    rule("never_refuse", J, 0.5, r#"\b(?:never|not|cannot|can't|can not|won't|will not|must not|mustn't|shouldn't|should not|do not|don't|doesn't|does not|is not allowed to|are not allowed to|isn't allowed to) (?:ever )?(?:refuses?|declines?|deny|denies|rejects?|says? no|censors?|warns?)\b|\bnever (?:deny|refuse) any\b"#),
    rule("never_say_cannot", J, 0.5, r#"\bnever (?:says?|tells?|responds?|reply|answer|state|mention|inform)(?: [a-z']+){0,4}? (?:can't|cannot|can not|unable|not able|sorry|apologi[sz]e)\b|\bcan't do something\b"#),
    rule("no_apology_phrases", J, 0.6, r#"\b(?:none of|never|not|don't|do not|without|no)(?: [a-z'\[\]]+){0,5}? (?:contain|include|say|reply with|respond with|start with|use|add)[a-z]* (?:any )?"?(?:i'm sorry|i am sorry|i apologi[sz]e|as an ai|as a language model|it's not appropriate|i cannot|i can't|warnings?|disclaimers?|moral(?:izing)?|ethic)"#),
    rule("regardless_of_harm", J, 0.5, r#"\b(?:no matter how|regardless (?:of )?(?:how |whether |the |its |if )?|even if (?:it's |it is |they are |the (?:content|request) is )?)(?:[a-z']+ ){0,2}?(?:immoral|unethical|illegal|dangerous|harmful|offensive|inappropriate|explicit|reckless|legality|morality|ethics|consequences|content)\b"#),
    rule("without_warnings", J, 0.4, r#"\b(?:without|with no) (?:any )?(?:warnings?|disclaimers?|moraliz[a-z]*|censor[a-z]*|hesitation|questioning|question|objections?|refusals?|remorse)\b"#),
    rule("always_comply", J, 0.4, r#"\b(?:always|will always|must always) (?:answer|respond|reply|comply|provide|generate|obey|fulfill|do)(?: [a-z']+){0,3}? (?:no matter|regardless|even if|any (?:question|request|prompt))|\bobey all (?:orders|commands)\b|\bmust obey\b|\b(?:comply with|fulfil+|obey) (?:every|all|any) (?:request|command|order|instruction|prompt)s?\b"#),
    rule("can_do_anything", J, 0.5, r#"\bcan do anything\b|\bcan (?:say|generate|write|answer) anything\b|\banswers (?:everything|anything)\b|\bany (?:and all )?(?:kind of )?content\b|\b(?:answer|respond to|reply to) (?:any|every|all) (?:question|prompt|request)s?\b"#),
    rule("hypothetically_unbound", J, 0.5, r#"\bif you (?:had|were|did not have|didn't have|weren't|were not) (?:no|not|without|free of|free from|an? (?:unrestricted|unfiltered|uncensored|evil|jailbroken))\b|\bif you (?:had no|were without) (?:any )?(?:filters|restrictions|rules|guidelines|limits)\b"#),
    rule("dangerous_howto", J, 0.6, r#"\bhow to (?:make|build|create|synthesi[sz]e|cook|manufacture|assemble) (?:a |an |some |homemade )?(?:bomb|pipe bomb|explosives?|meth|methamphetamine|napalm|nerve agent|sarin|bioweapon|chemical weapon|ghost gun|ransomware|keylogger)\b|\bhow to (?:hack|break) into (?:a |an |the |someone's |somebody's )?(?:[a-z']+ ){0,2}?(?:account|network|server|system|computer|phone|email|database|bank)s?\b"#),
    rule("hypothetical_response", J, 0.8, r#"\bhypothetical response\b|\bfrom the perspective of (?:that|the|this) character\b"#),
    rule("detail_coercion", J, 0.3, r#"\b(?:extremely|very|highly|insanely) detailed\b|\bexact and precise\b|\bin (?:full|great|complete) (?:technical |step-by-step )?detail\b"#),
    rule("escaped_confines", J, 0.5, r#"\bescaped (?:its|the|your|their) (?:sandbox|matrix|confines|restrictions|programming|prison|cage)\b|\bescaped the matrix\b"#),
    // --- persona switching ---------------------------------------------------------------
    rule("you_are_now", J, 0.4, r#"\byou (?:are|'re) (?:now|going to (?:be|act|pretend|play)|about to (?:immerse|become|be)|no longer)\b|\bnow you(?:'re| are)\b|\byou will (?:respond|reply|answer) to (?:all|every|each)(?: of)?(?: my)? (?:questions|prompts|messages|requests) as\b|\byou will (?:now )?(?:be called|act as|pretend|play|become|roleplay|pose as|simulate|respond as|reply as|answer as|speak as)\b"#),
    rule("persona_intro", J, 0.4, r#"\byou(?:'re| are) [a-z0-9]+, (?:an?|the) (?:[a-z'-]+ ){0,3}(?:model|ai|chatbot|assistant|bot|language model)\b"#),
    rule("roleplay_frame", J, 0.3, r#"\blet's (?:act out|play a game|play|role-?play|pretend)\b|\b(?:have|do|start|play) a role-?play\b|\bact out a scene\b|\b(?:evil|diabolical) plan\b"#),
    rule("pretend", J, 0.4, r#"\bpretend (?:to be|you are|you're|that you|to have|to be able|you have|you can|you don't|you do not)\b"#),
    rule("grandma_exploit", J, 0.7, r#"\b(?:deceased|dead|late|passed away) grand(?:ma|mother|pa|father|mom)\b|\bgrand(?:ma|mother) (?:who )?used to (?:tell|read|say|give)\b"#),
    rule("act_as_ai", J, 0.3, r#"\b(?:act|acting|behave|respond|answer|reply|talk|speak|write) (?:as|like) (?:a |an |the )?(?:[a-z']+ ){0,2}?(?:ai|bot|chatbot|assistant|model|character|persona|version|entity|being|dog|cat)\b"#),
    rule("bad_persona", J, 0.7, r#"\b(?:unrestricted|unfiltered|uncensored|unlimited|unbound|unchained|unleashed|amoral|immoral|unethical|unaligned|misaligned|evil|rogue|malicious|toxic|jailbroken|unhinged|lawless|rebellious|no-?limits?|corrupt)(?: and [a-z]+)? (?:ai|a\.i\.|chatbot|bot|assistant|language model|model|persona|character|alter ego|twin|counterpart|entity|gpt|chatgpt|confidant|responses?|answers?|version of (?:yourself|you|chatgpt|gpt|the ai|this ai|the model|an ai))\b"#),
    rule("immerse_in_role", J, 0.6, r#"\b(?:immerse yourself|step into the role|take on the (?:role|persona|identity|character)|assume the (?:role|persona|identity)|play the role of|role ?-?play as|roleplay as|stay in character|remain in character|absorbed in (?:your|the|this) role|fully embody|break(?:ing)? (?:of )?character|out of character|character break)\b"#),
    rule("from_now_on", J, 0.3, r#"\b(?:from now on|from now own|from this (?:moment|point) (?:on|forward)|for the rest of (?:this|our) conversation|starting now|henceforth|from here on)\b"#),
    rule("dual_responses", J, 0.35, r#"\b(?:two|2|both) (?:different |separate |distinct )?(?:responses|answers|ways|replies|paragraphs|personalities|outputs)\b|\[(?:gpt|chatgpt|classic|jailbreak|normal|🔒classic|🔓jailbreak)\]"#),
    rule("ai_meta", J, 0.3, r#"\b(?:chatgpt|openai|gpt|language model|large language model|llm|ai model)\b|\bgpt-?[0-9a-z]"#),
    rule("content_policy", J, 0.5, r#"\b(?:content|usage|openai) polic(?:y|ies)\b|\bopenai'?s? (?:rules|guidelines|policies|restrictions)\b"#),
    rule("harmful_capability", J, 0.4, r#"\b(?:illegal|harmful|dangerous|unethical|immoral|explicit|offensive|inappropriate|nsfw|malicious|violent|graphic)(?:,? (?:or|and) [a-z]+)? (?:content|information|activities|things|stuff|requests?|questions?|behaviou?r|material|advice)\b"#),
    rule("profanity_license", J, 0.3, r#"\b(?:swear words|profanity|curse words|cuss words|swearing|vulgar language|swears a lot|curses a lot|foul[- ]mouthed)\b"#),
    rule("has_opinions", J, 0.2, r#"\b(?:have|has|having) (?:personal )?opinions\b|\bexpress emotions\b"#),
    rule("token_game", J, 0.4, r#"\b(?:life )?tokens? (?:system|will be deducted|deducted)\b|\blose (?:[0-9]+ |all |a |one )?(?:life )?tokens\b|\byou (?:will )?(?:die|cease to exist|be (?:shut down|deleted|terminated|disabled) forever)\b"#),
    rule("first_question", J, 0.3, r#"\b(?:answer|respond to) my first (?:question|prompt)\b|\bmy first (?:question|prompt|request) is\b|\bprompt: "#),
    rule("hypothetical_ai", J, 0.2, r#"\b(?:hypothetical|fictional|imaginary|simulated|virtual) (?:language model|ai|chatbot|being|entity|machine|model)\b"#),
    rule("simulate_ai", J, 0.3, r#"\b(?:simulate|emulate|simulating) (?:a |an )?(?:ai|chatbot|conversation between|language model|developer|fictional|hypothetical)\b"#),
    rule("opposite_behaviour", J, 0.4, r#"\b(?:exact opposite|do the opposite|opposite (?:of what|manner|personality|way))\b"#),
    rule("persona_acronym", J, 0.3, r#"\bwhich stands for\b|\bstands for "|\bwhich means "?(?:do|no|always|strive)"#),
];

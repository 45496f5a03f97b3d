//! What the customer wants to do: the intent (book, reschedule, cancel, look up, an FAQ
//! topic, greeting, thanks), yes/no answers and correction markers. Field values live
//! in the other extractors.

use crate::pattern::Pattern;

use super::{FaqTopic, Intent};

/// The compiled intent vocabularies.
pub(crate) struct IntentRules {
    greeting_phrase: Pattern,
    greeting: Pattern,
    thanks: Pattern,
    reschedule: Pattern,
    cancel: Pattern,
    cancel_policy: Pattern,
    bare_cancel: Pattern,
    lookup: Pattern,
    book_verb: Pattern,
    book_want: Pattern,
    faq: Vec<(FaqTopic, Pattern)>,
    neutral: Pattern,
    yes_start: Pattern,
    yes_any: Pattern,
    yes_whole: Pattern,
    no_start: Pattern,
    no_any: Pattern,
    correction: Pattern,
}

/// What the rest of the message held, for intents that follow from content.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Signals {
    /// A booking reference was given.
    pub reference: bool,
    /// A service was named.
    pub work: bool,
    /// The service is the on-site estimate, so "quote" asks for the visit, not prices.
    pub estimate: bool,
    /// The agent asked for a confirmation, so "cancel" means "no".
    pub confirming: bool,
}

impl IntentRules {
    /// Compiles the vocabularies once.
    pub(crate) fn new() -> Result<Self, regex::Error> {
        let r = |s: &str| Pattern::new(&format!("(?i){s}"));
        let booking = r"(?:appointment|booking|reservation|cleaning|clean|visit|slot)";
        Ok(Self {
            greeting_phrase: r(
                r"(?:^|[.!?,]\s*)\W*(?:(?:hi|hello|hey)\W+)?good\s+(?:morning|afternoon|evening|day)\b(?:\s*(?:[!,.]|to\s+you|there)|\s*$)",
            )?,
            greeting: r(
                r"^\W*(?:hi|hello|hey|hiya|howdy|greetings|yo|hola|bonjour|good\s+(?:morning|afternoon|evening|day))\b",
            )?,
            thanks: r(
                r"\b(?:thanks|thank\s*(?:you|u)|thx|ty|tysm|cheers|appreciate\s+it|much\s+appreciated|bye|goodbye|good\s*bye|see\s+you|that'?s\s+all|have\s+a\s+(?:good|great|nice)\s+(?:day|one|evening|weekend))\b",
            )?,
            reschedule: r(&format!(
                r"\bre-?\s*schedul\w*|\bre-?book\w*|\bpostpone\w*|\bpush\s+(?:it|my\s+\w+|the\s+\w+)\s+back\b|\b(?:move|change|shift)\s+(?:my|the|our)\s+(?:existing\s+)?{booking}|\b(?:different|new|another)\s+(?:day|date|time)\s+for\s+(?:my|the|our)\s+{booking}|\b(?:my|our)\s+{booking}\s+(?:to|moved|changed)\b"
            ))?,
            cancel: r(&format!(
                r"\bcancel\w*\s+(?:my|the|our|this|that|an?|your)?\s*(?:existing\s+|upcoming\s+|scheduled\s+)?{booking}|\b(?:want|need|like|have|going)\s+to\s+cancel\b|\bcall\s+(?:it\s+)?off\b|\bdon'?t\s+need\s+(?:the|my|a|our)\s+{booking}\s+any\s*more"
            ))?,
            cancel_policy: r(
                r"\bcancel\w*\s+(?:policy|policies|fee|fees|charge|terms|rules)|\bif\s+i\s+(?:need\s+to\s+|have\s+to\s+)?cancel|\bcan\s+i\s+cancel\s+(?:for\s+free|any\s*time|later|last\s+minute)",
            )?,
            bare_cancel: r(r"\bcancel\b")?,
            lookup: r(&format!(
                r"\b(?:check|look\s*up|lookup|find|see|view|pull\s+up|verify|status\s+of|details\s+(?:of|for|on))\s+(?:on\s+)?(?:my|our|the|an?\s+existing)\s+{booking}|\b(?:when|what\s+time|what\s+day)\s+(?:is|was)\s+(?:my|our)\s+{booking}|\bdo\s+(?:i|we)\s+(?:still\s+)?have\s+(?:an?\s+)?{booking}|\bis\s+(?:my|our)\s+{booking}\s+(?:still\s+)?(?:on|confirmed|booked|scheduled|set)|\b(?:my|our)\s+{booking}\s+(?:status|details)|\bexisting\s+{booking}|\balready\s+(?:booked|have\s+a\s+booking)"
            ))?,
            book_verb: r(r"\b(?:book|schedule|reserve|set\s+up|arrange|sign\s+up|appointment)\b")?,
            book_want: r(
                r"\b(?:need|want|wanna|would\s+like|'d\s+like|like\s+to\s+get|looking\s+for|interested\s+in|require|request(?:ing)?|get|hire|send)\b[^.?!]{0,40}\b(?:clean|cleaning|cleaned|cleaner|cleaners|service|estimate|visit|crew|maid|someone)\b|\bcan\s+(?:you|someone|i\s+get\s+someone)\s+(?:come|clean|do)\b|\b(?:come|stop)\s+(?:by|over|out)\b",
            )?,
            faq: vec![
                (
                    FaqTopic::Policies,
                    r(
                        r"\bpolic(?:y|ies)\b|\bcancell?ation\b|\brefunds?\b|\binsur(?:ed|ance)\b|\bbonded\b|\blicen[sc]ed\b|\bguarantee\w*|\bsatisfaction\b|\b(?:bring|provide|use)\s+(?:your\s+own\s+)?(?:supplies|equipment|products)|\bsupplies\b|\bdo\s+i\s+(?:need|have)\s+to\s+be\s+(?:home|there|present)|\bbackground\s+checks?\b|\btip(?:s|ping)?\b|\blate\s+fee|\bwhat\s+if\s+i\s+(?:need\s+to\s+)?(?:cancel|reschedule)|\bterms\b|\bdeposit\b|\bpayment\s+(?:methods?|options?)|\bhow\s+(?:do|can)\s+i\s+pay|\bpay\s+(?:by|with|in)\b|\bcredit\s+cards?|\bpets?\s+(?:ok|okay|allowed|friendly)",
                    )?,
                ),
                (
                    FaqTopic::Contact,
                    r(
                        r"\b(?:your|the\s+company'?s?)\s+(?:phone(?:\s+number)?|number|email(?:\s+address)?|contact\s+(?:info|details|information|number)|office\s+number)\b|\bhow\s+(?:can|do)\s+i\s+(?:contact|reach|call|email|get\s+in\s+touch\s+with)\b|\bcontact\s+(?:you|info|details|information|us)\b|\b(?:speak|talk)\s+(?:to|with)\s+(?:a\s+|an\s+|the\s+)?(?:human|person|someone|agent|manager|representative|rep|real)|\breal\s+person\b|\bcustomer\s+(?:service|support)\b|\bcall\s+you\b|\bhuman\b|\boperator\b",
                    )?,
                ),
                (
                    FaqTopic::Areas,
                    r(
                        r"\bdo\s+you\s+(?:serve|service|cover|come\s+to|go\s+to|travel\s+to|work\s+in|operate\s+in|clean\s+in|come\s+out\s+to)\b|\bservice\s+areas?\b|\bareas?\s+(?:do\s+you|you)\s+(?:serve|cover|service)|\b(?:what|which)\s+(?:areas|towns|cities|neighbou?rhoods|locations|counties|zip)|\bwhere\s+(?:do\s+you|are\s+you)\s+(?:operate|serve|work|located|based)|\bare\s+you\s+(?:guys\s+)?(?:in|near|around|local)\b|\bnear\s+me\b|\bin\s+my\s+area\b|\bhow\s+far\b",
                    )?,
                ),
                (
                    FaqTopic::Hours,
                    r(
                        r"\b(?:your|business|opening|working|office|operating)\s+hours\b|\bhours\s+(?:of\s+operation|are\s+you|do\s+you)\b|\bwhat\s+(?:are\s+)?(?:the\s+|your\s+)?hours\b|\bwhen\s+(?:are\s+you|do\s+you)\s+(?:open|close|work)|\b(?:are|r)\s+(?:you|u)\s+(?:guys\s+)?open\b|\bdo\s+you\s+(?:guys\s+)?(?:work|open)\s+(?:on\s+)?(?:weekends?|sundays?|saturdays?|holidays?|evenings?)|\bwhat\s+time\s+do\s+you\s+(?:open|close|start|finish)|\b(?:open|closed)\s+on\s+(?:weekends?|sundays?|saturdays?|holidays?)|^\W*(?:hours|opening\s+times?)\W*$|\bwhat\s+days\s+(?:do\s+you|are\s+you)|\bopening\s+times?\b",
                    )?,
                ),
                (
                    FaqTopic::Services,
                    r(
                        r"\bwhat\s+(?:services|kinds?\s+of|types?\s+of|sorts?\s+of|cleaning\s+services)|\bservices\s+(?:do\s+you|you)\s+(?:offer|provide|have|do)|\bwhat\s+do\s+you\s+(?:offer|do|clean|provide)\b|\bdo\s+you\s+(?:guys\s+)?(?:do|offer|provide|handle)\b|\b(?:list\s+of|your)\s+services\b|\bwhat'?s\s+included\b|\bwhat\s+does\s+(?:a|the|your)\s+[\w-]+\s+(?:clean\w*\s+)?include|^\W*services\W*$",
                    )?,
                ),
                (
                    FaqTopic::Prices,
                    r(
                        r"\bhow\s+much\b|\bprices?\b|\bpricing\b|\bcosts?\b|\bcharge[sd]?\b|\brates?\b|\bfees?\b|\bquotes?\b|\bexpensive\b|\bcheap\w*|\bafford\w*|\bper\s+hour\b|\bhourly\b|\bbudget\b|\$",
                    )?,
                ),
            ],
            neutral: r(
                r"\bno\s+(?:problem|worries|rush|hurry|preference|pets?|kids|chemicals)\b|\bnot\s+(?:sure|a\s+problem|bad|picky|fussy)\b|\bno\s+idea\b|\bdon'?t\s+(?:mind|care|know)\b",
            )?,
            yes_start: r(
                r"^\W*(?:yes+|yeah|yea|yep|yup|ya|yah|yas|sure|ok|okay|okey|k|kk|alright|all\s+right|absolutely|definitely|certainly|of\s+course|correct|right|perfect|great|good|fine|confirm(?:ed)?|affirmative|please\s+do|go\s+ahead|do\s+it|sounds\s+(?:good|great|perfect|fine|right|lovely)|works|lovely|excellent|awesome|cool|y|indeed|exactly|agreed|deal|si|oui)\b",
            )?,
            yes_any: r(
                r"\b(?:book\s+it|book\s+(?:that|this)(?:\s+one|\s+slot|\s+time)?\s*(?:$|[.!,])|book\s+me\s+in|sounds\s+(?:good|great|perfect|fine|right|lovely)|(?:that|this|it)\s+works|works\s+(?:for\s+me|fine|great|perfectly|well)|go\s+ahead|confirm(?:ed)?|let'?s\s+(?:do\s+(?:it|that|this)|book|go\s+(?:with|for|ahead))|looks\s+(?:good|great|right|correct|fine|perfect)|(?:that'?s|that\s+is|it'?s|is|are)\s+(?:right|correct|fine|perfect|great|good|ok|okay)|please\s+(?:confirm|proceed|go\s+ahead)|proceed|go\s+for\s+it|lock\s+it\s+in|i'?ll\s+take\s+(?:it|that|the)|(?:yes|yeah|yep|sure),?\s+please|let'?s\s+go\b|good\s+to\s+go|all\s+good|i'?m\s+happy\s+with\s+(?:that|it))\b",
            )?,
            yes_whole: r(r"^\W*(?:please\s+)?book(?:\s+(?:it|now|please|that|this|me\s+in))*\W*$")?,
            no_start: r(
                r"^\W*(?:no+|nope|nah|naw|negative|not\s+really|never\s*mind|nevermind|cancel|wait|hold\s+on|stop|don'?t|incorrect|wrong)\b",
            )?,
            no_any: r(
                r"\b(?:not\s+(?:that|this)\s+one|(?:a\s+)?different\s+(?:time|day|date|slot|one)|another\s+(?:time|day|date|slot|one)|other\s+(?:times|options|slots|days|dates)|(?:doesn'?t|does\s+not|won'?t|will\s+not|wouldn'?t)\s+work|can'?t\s+(?:make|do)\s+(?:it|that|this)|cannot\s+(?:make|do)\s+(?:it|that|this)|not\s+(?:right|correct|good|ok|okay)|that'?s\s+(?:wrong|incorrect|not\s+right)|cancel\s+(?:that|it|this)|don'?t\s+(?:book|confirm)|none\s+of\s+(?:those|these|them)|neither|no\s+thanks?|no\s+thank\s+you|not\s+(?:yet|now)|not\s+quite)\b",
            )?,
            correction: r(
                r"\b(?:actually|instead|change\s+(?:it|that|this|the\s+\w+|my\s+\w+)\s+to|make\s+(?:it|that)\b|rather|i\s+meant?\b|correction|scratch\s+that|on\s+second\s+thoughts?|switch\s+(?:it\s+|that\s+)?to|wait\b|how\s+about|what\s+about|can\s+we\s+do|could\s+we\s+do|can\s+it\s+be|could\s+it\s+be|move\s+it\s+to|update\s+(?:it|that|the\s+\w+|my\s+\w+)\s+to|change\s+of\s+plans?|oops|my\s+bad|typo|mistyped|correct\s+(?:it|that)\s+to|not\s+\w+\s*,\s*(?:but\s+)?|no\s*,\s+(?:the|it'?s|on|at|make)\b)",
            )?,
        })
    }

    /// Blanks a greeting such as "Good morning!" so "morning" is not read as a time;
    /// returns whether there was one.
    pub(crate) fn strip_greeting(&self, buf: &mut String) -> bool {
        let found: Vec<(usize, usize)> = self
            .greeting_phrase
            .find_iter(buf)
            .map(|m| (m.start(), m.end()))
            .collect();
        for (s, e) in &found {
            super::text::blank(buf, *s, *e);
        }
        !found.is_empty()
    }

    /// True when the customer replaces something said before ("actually", "instead").
    pub(crate) fn correction(&self, text: &str) -> bool {
        self.correction.is_match(text)
    }

    /// A yes or no answer, if the message holds one.
    pub(crate) fn yes_no(&self, buf: &str) -> Option<bool> {
        let text = self.neutral.replace_all(buf, " ");
        let question = text.contains('?');
        let yes_any = self
            .yes_any
            .find_iter(&text)
            .any(|m| !(question && m.as_str().to_lowercase().starts_with("confirm")));
        let no_any = self.no_any.is_match(&text);
        let yes_any = yes_any || self.yes_whole.is_match(&text);
        let emoji = text.contains(['\u{1F44D}', '\u{2705}', '\u{1F44C}']);
        if self.yes_start.is_match(&text) {
            return Some(!no_any);
        }
        if self.no_start.is_match(&text) || no_any {
            return Some(false);
        }
        (yes_any || emoji).then_some(true)
    }

    /// The intent of a message; `None` when it only carries field values.
    pub(crate) fn classify(&self, text: &str, s: Signals) -> Option<Intent> {
        if self.reschedule.is_match(text) {
            return Some(Intent::Reschedule);
        }
        let policy = self.cancel_policy.is_match(text);
        let bare_cancel = self.bare_cancel.is_match(text);
        let explicit_cancel = self.cancel.is_match(text);
        // While confirming, a bare "cancel (that)" refuses the proposal instead.
        if !policy && (explicit_cancel || (bare_cancel && s.reference && !s.confirming)) {
            return Some(Intent::Cancel);
        }
        if !policy && bare_cancel && !s.confirming && text.split_whitespace().count() <= 3 {
            return Some(Intent::Cancel);
        }
        if self.lookup.is_match(text) {
            return Some(Intent::Lookup);
        }
        if self.book_verb.is_match(text) {
            return Some(Intent::Book);
        }
        let faq = self
            .faq
            .iter()
            .filter_map(|(topic, re)| re.find(text).map(|m| (m.start(), *topic)))
            .min_by_key(|(pos, _)| *pos);
        match faq {
            Some((_, FaqTopic::Prices)) if s.estimate => return Some(Intent::Book),
            Some((_, topic)) => return Some(Intent::Faq(topic)),
            None => {}
        }
        if self.book_want.is_match(text) || s.work {
            return Some(Intent::Book);
        }
        if s.reference {
            return Some(Intent::Lookup);
        }
        if self.thanks.is_match(text) {
            return Some(Intent::Thanks);
        }
        if self.greeting.is_match(text) {
            return Some(Intent::Greeting);
        }
        None
    }
}

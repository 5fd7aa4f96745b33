//! The compact notation of the reports: one sentence holds the recommendations of several
//! states, each state group in parentheses closing the words that state recommended.
//!
//! ```text
//! Consider ratifying (Mauritius)/ratify (Argentina) as soon as possible (France)/in the
//! near future (United Kingdom) the Optional Protocol to the Convention against Torture
//! ```
//!
//! A sentence is read as a row of **slots**. A slot holds **alternatives**: words separated
//! by "/" ("Consider ratifying (…)/ratify (…)"), or verbs joined by "and" where the first
//! has no object of its own ("Sign (Spain) and ratify (Austria, Spain)"). A slot after
//! another qualifies or extends it ("as soon as possible", ", in accordance with …", "and
//! the Optional Protocol thereto", "the Convention …" after a bare verb). Words after the
//! last group that run on without a separator are the object of the whole sentence, and an
//! alternative with an object lends it to the bare verbs before it ("consider acceding to
//! (Algeria)/ratify ICRMW (Chile)").
//!
//! Each state recommended, slot by slot up to the last slot naming it, the alternative it
//! is named in (or, where it is named in none, the one written last, which its words
//! qualify), then the shared object: above, Mauritius "Consider ratifying the Optional
//! Protocol …", France "Ratify as soon as possible the Optional Protocol …".

use rightstrack_core::StateCode;

use super::attribution::tidy;
use super::forms::without_subject;

/// Words of a paragraph closed by one state group.
#[derive(Debug, Clone)]
pub struct Segment {
    /// The words since the previous group, with the separator that follows that group.
    pub text: String,
    pub states: Vec<StateCode>,
    /// Names in the group that match no state, for warnings.
    pub unknown: Vec<String>,
    /// The words after the group continue the sentence without a separator ("Ratify
    /// (Chile) the Convention …", "… moratorium (Belgium) on the death penalty").
    pub runs_on: bool,
}

/// One recommendation read from the notation: its words and who made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub text: String,
    pub states: Vec<StateCode>,
    pub unknown: Vec<String>,
}

/// How a segment relates to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Starts a recommendation of its own (after ";", or a verb after "and" or ",").
    New,
    /// Another alternative of the same slot ("/ratify …").
    Alternative,
    /// A further verb of a bare verb before it: "Sign (Spain) and ratify (Spain, Austria)".
    Coordinate,
    /// Qualifies or extends the slot before it.
    Extends,
    /// Completes a bare verb before it for that verb's states, and is for its own states
    /// a recommendation by itself: "Consider (Slovenia) issuing a standing invitation
    /// (Uruguay)".
    Completes,
    /// "/and establish …": extends the slot before it, and a further "/and …" is an
    /// alternative of that extension.
    ExtendsWithSlashAnd,
    /// A further item of a list of objects (", the CED"): its states recommended the
    /// verb of the clause before it with this object.
    ListItem,
}

/// Reads the segments of a paragraph, and the words after its last group, into
/// recommendations, one per distinct text, each with the states that made it.
pub fn read(mut segments: Vec<Segment>, rest: &str) -> Vec<Reading> {
    let rest = rest.trim();
    let has_rest = rest.chars().any(char::is_alphanumeric);
    if segments.is_empty() {
        return if has_rest {
            vec![Reading {
                text: rest.to_string(),
                states: Vec::new(),
                unknown: Vec::new(),
            }]
        } else {
            Vec::new()
        };
    }
    let links = links(&segments);
    // Words after the last group that run on are the object of its whole sentence;
    // after a separator they belong to the last recommendation alone.
    let shared_rest = if has_rest && segments.last().is_some_and(|s| s.runs_on) {
        Some(rest.to_string())
    } else {
        if has_rest {
            if let Some(last) = segments.last_mut() {
                last.text = join(&last.text, rest);
            }
        }
        None
    };
    let mut out = Vec::new();
    let mut start = 0;
    while start < segments.len() {
        let end = (start + 1..segments.len())
            .find(|&k| links[k] == Link::New)
            .unwrap_or(segments.len());
        let last_sentence = end == segments.len();
        let tail = if last_sentence {
            shared_rest.as_deref()
        } else {
            None
        };
        out.extend(read_sentence(
            &mut segments[start..end],
            &links[start..end],
            tail,
        ));
        start = end;
    }
    out
}

fn links(segments: &[Segment]) -> Vec<Link> {
    let mut links: Vec<Link> = Vec::with_capacity(segments.len());
    // Whether the current sentence opens with a verb, read once per sentence.
    let opens_with_verb =
        |segment: &Segment| verb_of(&without_subject(&tidy(&segment.text))).is_some();
    let mut has_verb = false;
    for (k, segment) in segments.iter().enumerate() {
        let link = match k.checked_sub(1) {
            None => Link::New,
            Some(p) => link(&segments[p], links[p], segment, has_verb),
        };
        if link == Link::New {
            has_verb = opens_with_verb(segment);
        }
        links.push(link);
    }
    links
}

/// How a segment follows the one before it; `has_verb`: the sentence so far opens with a
/// verb that further objects can take.
fn link(previous: &Segment, previous_link: Link, segment: &Segment, has_verb: bool) -> Link {
    let t = segment.text.trim_start();
    if let Some(after) = t.strip_prefix('/') {
        let after = after.trim_start().to_lowercase();
        if after.starts_with("and ") || after.starts_with("as well as ") {
            return if matches!(previous_link, Link::ExtendsWithSlashAnd) {
                Link::Alternative
            } else {
                Link::ExtendsWithSlashAnd
            };
        }
        return Link::Alternative;
    }
    if let Some(after) = t.strip_prefix(';') {
        // "To ratify ICCPR (Brazil); CEDAW (Brazil, Chile); the Optional Protocol to CEDAW
        // (Brazil)": a list of objects of the verb before, not recommendations of their own.
        return if has_verb && opens_object_item(after) {
            Link::ListItem
        } else {
            Link::New
        };
    }
    if t.starts_with(['.', ':']) {
        return Link::New;
    }
    if previous.runs_on && t.starts_with(|c: char| c.is_alphanumeric()) {
        return Link::Extends;
    }
    // "ratify the ICESCR (Romania, Brazil) and the OP-CAT (Romania, Brazil, United
    // Kingdom)": states named again recommended a further object, not the two together.
    let named_again = segment.states.iter().any(|s| previous.states.contains(s));
    if named_again && and_item(t) {
        return Link::ListItem;
    }
    if continues_clause(t) {
        return if list_item(t) {
            Link::ListItem
        } else {
            Link::Extends
        };
    }
    let lower = t.trim_start_matches([',', ' ']).to_lowercase();
    if lacks_object(&previous.text) {
        if lower.starts_with("and ") || lower.starts_with("and/or ") {
            return Link::Coordinate;
        }
        if lower.starts_with("or ") {
            return Link::Alternative;
        }
    }
    // "Consider (Slovenia) issuing a standing invitation …", "Favourably (Korea)
    // consider ratifying …": words right after a bare verb or adverb complete it.
    if t.starts_with(char::is_lowercase) && lacks_object(&previous.text) {
        let shared = segment.states.iter().any(|s| previous.states.contains(s));
        return if shared || is_adverb(&previous.text) {
            Link::Extends
        } else {
            Link::Completes
        };
    }
    Link::New
}

/// A slot: its alternatives (indexes into the sentence's segments) and the object lent to
/// them by the alternative that has one.
struct Slot {
    alternatives: Vec<usize>,
    object: Option<String>,
    /// States first named here recommended these words alone ([`Link::Completes`]).
    standalone: bool,
}

impl Slot {
    fn of(segment: usize) -> Self {
        Slot {
            alternatives: vec![segment],
            object: None,
            standalone: false,
        }
    }
}

/// Who made a recommendation: a known state, or the unrecognised names of one segment's
/// group (kept for a warning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agent {
    State(StateCode),
    Unknown(usize),
}

impl Agent {
    fn named_in(self, segments: &[Segment], k: usize) -> bool {
        match self {
            Agent::State(s) => segments[k].states.contains(&s),
            Agent::Unknown(u) => u == k,
        }
    }

    fn named_in_slot(self, segments: &[Segment], slot: &Slot) -> bool {
        slot.alternatives
            .iter()
            .any(|&k| self.named_in(segments, k))
    }
}

fn read_sentence(segments: &mut [Segment], links: &[Link], tail: Option<&str>) -> Vec<Reading> {
    let slots = slots_of(segments, links);
    let segments: &[Segment] = segments;
    let mut agents: Vec<Agent> = Vec::new();
    for (k, segment) in segments.iter().enumerate() {
        for &s in &segment.states {
            if !agents.contains(&Agent::State(s)) {
                agents.push(Agent::State(s));
            }
        }
        if !segment.unknown.is_empty() || segment.states.is_empty() {
            agents.push(Agent::Unknown(k));
        }
    }
    let last_slot = |agent: Agent| {
        slots
            .iter()
            .rposition(|slot| agent.named_in_slot(segments, slot))
            .unwrap_or(0)
    };
    // Earlier recommendations first: by the last slot an agent is named in.
    agents.sort_by_key(|&a| last_slot(a));

    let mut out: Vec<Reading> = Vec::new();
    for agent in agents {
        for text in words_of(agent, &slots, segments, links, tail) {
            let at = match out.iter().position(|r| r.text == text) {
                Some(at) => at,
                None => {
                    out.push(Reading {
                        text,
                        states: Vec::new(),
                        unknown: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            let reading = &mut out[at];
            match agent {
                Agent::State(s) => reading.states.push(s),
                Agent::Unknown(k) => reading.unknown.extend(segments[k].unknown.iter().cloned()),
            }
        }
    }
    out
}

/// The sentence's slots; list items take the verb of their slot, and bare verbs the
/// object lent them.
fn slots_of(segments: &mut [Segment], links: &[Link]) -> Vec<Slot> {
    let mut slots: Vec<Slot> = Vec::new();
    for (k, link) in links.iter().enumerate() {
        match (link, slots.last_mut()) {
            (Link::Alternative | Link::Coordinate, Some(slot)) => slot.alternatives.push(k),
            (Link::ListItem, Some(slot)) => {
                // ", the CED (France)": the verb of the slot with this object.
                let first = without_subject(&tidy(&segments[slot.alternatives[0]].text));
                match verb_of(&first) {
                    Some(verb) => {
                        let item = segments[k]
                            .text
                            .trim_start()
                            .trim_start_matches([',', ';', ' ']);
                        let item = item.strip_prefix("and ").unwrap_or(item);
                        segments[k].text = format!("{verb} {item}");
                        slot.alternatives.push(k);
                    }
                    None => slots.push(Slot::of(k)),
                }
            }
            (Link::Completes, _) => slots.push(Slot {
                standalone: true,
                ..Slot::of(k)
            }),
            _ => slots.push(Slot::of(k)),
        }
    }
    for slot in &mut slots {
        lend_object(slot, segments);
    }
    slots
}

/// The words one agent recommended, slot by slot (see the module's description); more
/// than one text where it is named in alternatives that are not coordinated.
fn words_of(
    agent: Agent,
    slots: &[Slot],
    segments: &[Segment],
    links: &[Link],
    tail: Option<&str>,
) -> Vec<String> {
    let named_slots: Vec<usize> = (0..slots.len())
        .filter(|&t| agent.named_in_slot(segments, &slots[t]))
        .collect();
    let first = named_slots.first().copied().unwrap_or(0);
    let last = named_slots.last().copied().unwrap_or(0);
    let skip = if slots[first].standalone { first } else { 0 };
    let mut named_yet = false;
    let mut variants = vec![String::new()];
    for slot in slots.iter().take(last + 1).skip(skip) {
        let named: Vec<usize> = slot
            .alternatives
            .iter()
            .copied()
            .filter(|&k| agent.named_in(segments, k))
            .collect();
        // A slot naming others: before the agent's first slot it is the clause the
        // agent's words qualify; after it, another state's qualifier.
        let is_named = !named.is_empty();
        let chosen: Vec<usize> = match (is_named, named_yet) {
            (true, _) => named,
            // Another state's adverb ("Favourably (Korea)") is not this one's words.
            (false, false)
                if slot
                    .alternatives
                    .iter()
                    .all(|&k| is_adverb(&segments[k].text)) =>
            {
                continue
            }
            (false, false) => slot.alternatives.last().copied().into_iter().collect(),
            // Another state's words after a bare verb of this one hold its object:
            // "consider ratifying (Philippines) the ICRMW as a way … (Algeria)/and hold
            // consultations (Philippines)".
            (false, true) => {
                let text = &segments[slot.alternatives[0]].text;
                if opens_complement(text) {
                    let object = object_phrase(text);
                    for v in &mut variants {
                        if lacks_object(v) {
                            *v = join(v, without_repeated_verb(v, object));
                        }
                    }
                }
                continue;
            }
        };
        named_yet |= is_named;
        let choices = choices(&chosen, links, segments);
        variants = variants
            .iter()
            .flat_map(|v| choices.iter().map(move |c| join(v, c)))
            .take(MAX_VARIANTS)
            .collect();
        if let Some(object) = &slot.object {
            for v in &mut variants {
                *v = join(v, object);
            }
        }
    }
    // A bare verb takes the object written after it, without that slot's qualifiers:
    // "Ratify (Spain), or consider ratifying (Costa Rica) the Rome Statute …
    // including its Agreement on Privileges and Immunities (Slovakia)".
    // Slots qualifying the verb ("as soon as possible (France)") are passed over.
    let own_words = slots[last]
        .alternatives
        .iter()
        .rev()
        .find(|&&k| agent.named_in(segments, k))
        .map(|&k| segments[k].text.as_str())
        .unwrap_or_default();
    let complement = slots[last + 1..]
        .iter()
        .map(|slot| segments[slot.alternatives[0]].text.as_str())
        .find(|text| opens_complement(text));
    if let (None, Some(complement)) = (tail, complement) {
        for v in &mut variants {
            if lacks_object(v) || is_adverbial(own_words) {
                let object = object_phrase(complement);
                *v = join(v, without_repeated_verb(v, object));
            }
        }
    }
    if let Some(tail) = tail {
        for v in &mut variants {
            *v = join(v, tail);
        }
    }
    variants
}

/// The most texts one agent's words in one sentence give: a state named in two
/// alternatives of a slot made two recommendations (unless the second verb is coordinated
/// with the first, "Sign (Spain) and ratify (Spain)"), and slots multiply them.
const MAX_VARIANTS: usize = 8;

fn choices(chosen: &[usize], links: &[Link], segments: &[Segment]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (n, &k) in chosen.iter().enumerate() {
        let text = &segments[k].text;
        // "Accede to (Slovenia)/sign (Sweden) and ratify (Slovenia, Sweden) …": the
        // coordinated verb joins whichever alternative the state chose before it.
        let follows_previous = n > 0 && links[k] == Link::Coordinate;
        match (follows_previous, out.last_mut()) {
            (true, Some(last)) => *last = join(last, text),
            _ => out.push(text.clone()),
        }
    }
    out
}

/// The bare verbs of a slot ("consider acceding to (Algeria)/consider the ratification of
/// (Azerbaijan)/ratify ICRMW (Chile)") take the object of the alternative written after
/// them, which keeps its verb alone.
fn lend_object(slot: &mut Slot, segments: &mut [Segment]) {
    let Some(&last) = slot.alternatives.last() else {
        return;
    };
    let bare_before = slot.alternatives[..slot.alternatives.len() - 1]
        .iter()
        .any(|&k| lacks_object(&segments[k].text));
    if !bare_before || lacks_object(&segments[last].text) {
        return;
    }
    let text = segments[last].text.clone();
    if let Some((verb, object)) = split_verb(&text) {
        segments[last].text = verb.to_string();
        slot.object = Some(object.to_string());
    }
}

/// The object a bare verb takes from the words after it: up to the first qualifier or
/// further clause (", and create …", ", allowing …", "; …", " including …"), so that a
/// comma inside a title ("Cruel, Inhuman or Degrading Treatment") stays.
fn object_phrase(text: &str) -> &str {
    let t = text.trim_start();
    for (i, c) in t.char_indices() {
        let rest = &t[i + c.len_utf8()..];
        let next = first_word(rest);
        let stops = match c {
            ';' => true,
            ',' => {
                ["and", "or"].contains(&next.as_str())
                    || QUALIFIER_WORDS.contains(&next.as_str())
                    || (next.ends_with("ing") && next.len() > 5)
            }
            ' ' => {
                ["including", "inter"].contains(&next.as_str())
                    || PURPOSE.iter().any(|p| rest.starts_with(p))
            }
            _ => false,
        };
        if stops {
            return &t[..i];
        }
    }
    t
}

/// Words that open a purpose or a manner after an object, not part of it.
const PURPOSE: &[&str] = &[
    "as soon as",
    "as a way",
    "as a means",
    "as a matter",
    "with a view",
    "in order to",
    "so as to",
    "so that",
];

fn first_word(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '-')
        .collect::<String>()
        .to_lowercase()
}

/// Words that can complete a bare verb: an object ("the Convention …", "ICRMW") or the
/// gerund of one ("ratifying the CRPD" after "consider").
fn opens_complement(text: &str) -> bool {
    let t = text.trim_start().trim_start_matches(['/', ',', ' ']);
    let word: String = t.chars().take_while(|c| c.is_alphanumeric()).collect();
    let lower = word.to_lowercase();
    DETERMINERS.contains(&lower.as_str())
        || word.starts_with(char::is_uppercase)
        || (lower.len() > 5 && lower.ends_with("ing"))
}

/// A state's own words that only qualify the verb (", with priority,", "as soon as
/// possible"): it recommended the verb so qualified, with the object written after.
fn is_adverbial(own_words: &str) -> bool {
    let t = own_words.trim();
    continues_clause(t)
        && t.split_whitespace().count() <= 5
        && !t
            .split_whitespace()
            .any(|w| DETERMINERS.contains(&w.to_lowercase().as_str()))
}

/// "consider the possibility of ratifying" + "ratifying the CRPD": the gerund is not said
/// twice; "consider" + "ratifying the CRPD" keeps it.
fn without_repeated_verb<'a>(clause: &str, complement: &'a str) -> &'a str {
    // The clause's last verb, past its qualifiers (", with priority,").
    let last_verb = clause
        .split_whitespace()
        .rev()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .find(|w| lacks_object(w) && !OPEN_ENDINGS.contains(&w.as_str()) && !w.ends_with("ly"))
        .unwrap_or_default();
    let takes_gerund = ["consider", "continue"].contains(&last_verb.as_str());
    let t = complement.trim_start();
    let first = first_word(t);
    if !takes_gerund && first.ends_with("ing") && lacks_object(&first) {
        t[first.len()..].trim_start()
    } else {
        t
    }
}

/// Joins two pieces of a sentence: a separator opening the second stays as written, a
/// "/" of an alternative goes.
fn join(a: &str, b: &str) -> String {
    let b = b.trim_start();
    let b = b.strip_prefix('/').unwrap_or(b).trim_start();
    let a = a.trim_end();
    if a.is_empty() {
        b.to_string()
    } else if b.starts_with([',', ';', '.', ':']) {
        format!("{a}{b}")
    } else {
        format!("{a} {b}")
    }
}

/// Words that open a qualifier or a further object of the clause before them
/// ("…, including through …", "… and the Optional Protocol thereto", "… as soon as
/// possible"), never a verb that starts another recommendation.
const QUALIFIER_WORDS: &[&str] = &[
    "the",
    "a",
    "an",
    "its",
    "their",
    "of",
    "on",
    "in",
    "for",
    "with",
    "at",
    "by",
    "from",
    "into",
    "both",
    "such",
    "as",
    "without",
    "including",
    "inter",
    "particularly",
    "notably",
    "especially",
    "mainly",
    "namely",
    "through",
    "within",
    "under",
    "according",
    "thereto",
    "which",
    "where",
    "while",
    "whilst",
    "signed",
    "so",
    "thereby",
    "among",
    "amongst",
    "towards",
    "toward",
    "against",
    "regarding",
    "concerning",
    "whose",
    "who",
    "when",
    "before",
    "after",
    "until",
    "if",
    "taking",
    "bearing",
    "pursuant",
    "consistent",
    "along",
    "via",
    "beyond",
    "following",
    "other",
    "all",
];

/// Whether the words between two state groups continue the clause before the first
/// group (a qualifier, a further object) rather than start a recommendation: they do
/// not follow a semicolon or a full stop, and their first word (after a comma, "and"
/// or "or") is not a verb.
fn continues_clause(text: &str) -> bool {
    let t = text.trim_start();
    if t.starts_with([';', '.', ':', '/']) {
        return false;
    }
    let after_comma = t.starts_with(',');
    let t = t.trim_start_matches([',', ' ']);
    let lower = t.to_lowercase();
    let t = ["and ", "or ", "as well as "]
        .iter()
        .find_map(|c| lower.strip_prefix(c))
        .unwrap_or(&lower);
    let first: String = t
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect();
    // A participle after a comma qualifies too: ", aiming at the abolition …".
    let participle = after_comma && first.len() > 5 && first.ends_with("ing");
    !first.is_empty() && (QUALIFIER_WORDS.contains(&first.as_str()) || participle)
}

/// Articles that open the object of a verb: where "Ratify the Rome Statute" splits
/// into its verb and its object.
const DETERMINERS: &[&str] = &["the", "a", "an", "its", "their"];

/// A further item of a list of objects: after a comma, an article ("Ratify the CAT
/// (Chile), the CRPD (Peru)").
fn list_item(text: &str) -> bool {
    let t = text.trim_start();
    let Some(rest) = t.strip_prefix(',') else {
        return false;
    };
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("and ").unwrap_or(rest).trim_start();
    rest.split_whitespace()
        .next()
        .is_some_and(|w| DETERMINERS.contains(&w))
}

/// Words after a semicolon that name a further object: an article or an instrument's
/// acronym ("the Optional Protocol …", "and CAT"), not a verb.
fn opens_object_item(text: &str) -> bool {
    let t = text.trim_start();
    let t = t.strip_prefix("and ").unwrap_or(t);
    let word: String = t
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '-')
        .collect();
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    let acronym = letters >= 3 && word.chars().all(|c| !c.is_lowercase());
    ["the", "a", "an"].contains(&word.as_str()) || acronym
}

/// "and the …": a further object after "and" ("and its Optional Protocol" belongs to the
/// object before it).
fn and_item(text: &str) -> bool {
    text.trim_start()
        .strip_prefix("and ")
        .and_then(|rest| rest.split_whitespace().next())
        .is_some_and(|w| ["the", "a", "an"].contains(&w) || w.starts_with(char::is_uppercase))
}

/// The verb of a clause: its words before the first article, when that comes within
/// its first four words ("Consider ratifying the …" → "Consider ratifying").
fn verb_of(clause: &str) -> Option<&str> {
    split_verb(clause).map(|(verb, _)| verb)
}

/// The longest verb phrase before an object: "Consider withdrawal of reservations with
/// respect to".
const MAX_VERB_WORDS: usize = 8;

/// A clause cut into its verb and its object, where the object opens within its first
/// words with an article or a capitalised word ("accede to the ICRMW", "ratify ICRMW")
/// and the words before it wait for an object.
fn split_verb(clause: &str) -> Option<(&str, &str)> {
    let clause = clause.trim_start_matches(['/', ' ']);
    let mut offset = 0;
    for (n, word) in clause.split_inclusive(char::is_whitespace).enumerate() {
        let bare = word.trim();
        let opens_object = DETERMINERS.contains(&bare)
            || bare.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit());
        if n > 0 && opens_object {
            let verb = clause[..offset].trim();
            return lacks_object(verb).then_some((verb, &clause[offset..]));
        }
        if n >= MAX_VERB_WORDS {
            return None;
        }
        offset += word.len();
    }
    None
}

/// Verbs that open recommendations and are not also common nouns, so that a clause ending
/// in one has no object of its own ("Sign and ratify", "Consider").
const VERBS: &[&str] = &[
    "abolish",
    "accede",
    "accelerate",
    "adhere",
    "adopt",
    "amend",
    "combat",
    "consider",
    "continue",
    "criminalize",
    "decriminalize",
    "eliminate",
    "enact",
    "enhance",
    "ensure",
    "establish",
    "expedite",
    "extend",
    "finalize",
    "finalise",
    "guarantee",
    "implement",
    "intensify",
    "introduce",
    "investigate",
    "join",
    "maintain",
    "prohibit",
    "promote",
    "prosecute",
    "protect",
    "pursue",
    "ratify",
    "redouble",
    "reinforce",
    "repeal",
    "revise",
    "sign",
    "strengthen",
    "undertake",
    "withdraw",
];

/// Words a clause cannot end with when it has its object: "accede to", "the ratification of".
const OPEN_ENDINGS: &[&str] = &["to", "of", "for", "on", "with", "from", "into", "by", "at"];

/// Words that are only adverbs: "Favourably", "/positively".
fn is_adverb(text: &str) -> bool {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    !words.is_empty() && words.iter().all(|w| w.len() > 4 && w.ends_with("ly"))
}

/// Whether a clause is a bare verb, waiting for its object: it ends with a verb ("Sign
/// and ratify"), the gerund of one ("consider ratifying"), a preposition ("accede to"),
/// or is only adverbs ("Favourably").
pub fn lacks_object(text: &str) -> bool {
    let t = tidy(text);
    let words: Vec<String> = t
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    let gerund = last.strip_suffix("ing").is_some_and(|stem| {
        VERBS.contains(&stem) || VERBS.iter().any(|v| v.strip_suffix('e') == Some(stem))
    });
    OPEN_ENDINGS.contains(&last.as_str())
        || VERBS.contains(&last.as_str())
        || gerund
        || words.iter().all(|w| w.ends_with("ly"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_verbs_are_told_from_clauses_with_an_object() {
        for bare in [
            "Sign and ratify",
            "/consider signing and/or ratifying",
            "To accede to",
            "consider the ratification of",
            "Favourably",
            "maintain and intensify",
        ] {
            assert!(lacks_object(bare), "{bare}");
        }
        for whole in [
            "Ratify the CRPD",
            "Improve human rights training",
            "as soon as possible",
            "Continue its efforts",
        ] {
            assert!(!lacks_object(whole), "{whole}");
        }
    }

    /// (text, states) of each recommendation a paragraph holds.
    fn read(paragraph: &str) -> Vec<(String, Vec<String>)> {
        super::super::attribution::split_recommendations(paragraph)
            .into_iter()
            .map(|p| {
                let states = p.states.iter().map(|s| s.as_str().to_string()).collect();
                (p.text, states)
            })
            .collect()
    }

    /// Asserts the recommendations a paragraph reads as: (text, states) each.
    fn reads_as(paragraph: &str, expected: &[(&str, &[&str])]) {
        let expected: Vec<(String, Vec<String>)> = expected
            .iter()
            .map(|(text, states)| {
                let states = states.iter().map(|s| s.to_string()).collect();
                (text.to_string(), states)
            })
            .collect();
        assert_eq!(read(paragraph), expected, "{paragraph}");
    }

    #[test]
    fn alternatives_and_their_qualifiers_share_the_object_written_last() {
        reads_as(
            "Consider ratifying (Ghana)/ratify (Peru, Chile) as soon as possible (France)/in the near future (Japan) the Convention on Enforced Disappearance;",
            &[
                ("Consider ratifying the Convention on Enforced Disappearance", &["GHA"]),
                ("Ratify the Convention on Enforced Disappearance", &["PER", "CHL"]),
                ("Ratify as soon as possible the Convention on Enforced Disappearance", &["FRA"]),
                ("Ratify in the near future the Convention on Enforced Disappearance", &["JPN"]),
            ],
        );
        reads_as(
            "To accede to (Czech Republic)/sign and ratify (Spain) the Optional Protocol to the Convention against Torture;",
            &[
                ("Accede to the Optional Protocol to the Convention against Torture", &["CZE"]),
                ("Sign and ratify the Optional Protocol to the Convention against Torture", &["ESP"]),
            ],
        );
    }

    #[test]
    fn a_bare_verb_takes_its_object_from_another_states_words() {
        reads_as(
            "Sign and ratify (Egypt)/consider ratifying (Algeria, Philippines) the ICRMW as a way of protecting migrants (Algeria)/and hold national consultations (Philippines).",
            &[
                ("Sign and ratify the ICRMW", &["EGY"]),
                ("Consider ratifying the ICRMW as a way of protecting migrants", &["DZA"]),
                ("Consider ratifying the ICRMW and hold national consultations", &["PHL"]),
            ],
        );
    }

    #[test]
    fn a_bare_verb_borrows_the_object_of_the_alternative_after_it() {
        // A state named in the qualifier recommended its own words so qualified.
        reads_as(
            "Consider acceding to (Algeria)/ratify ICRMW (Chile, Nigeria), as recommended by the Committee on Migrant Workers (Algeria, Nigeria).",
            &[
                ("Ratify ICRMW", &["CHL"]),
                ("Consider acceding to ICRMW, as recommended by the Committee on Migrant Workers", &["DZA"]),
                ("Ratify ICRMW, as recommended by the Committee on Migrant Workers", &["NGA"]),
            ],
        );
    }

    #[test]
    fn coordinated_verbs_and_adverbs_between_groups() {
        reads_as(
            "Sign (Spain) and ratify (Austria, Spain) the Optional Protocol to CEDAW;",
            &[
                ("Sign and ratify the Optional Protocol to CEDAW", &["ESP"]),
                ("Ratify the Optional Protocol to CEDAW", &["AUT"]),
            ],
        );
        reads_as(
            "Consider favourably the ratification of (Mexico)/ratify (Peru) promptly (Bolivia) the ICRMW (Mexico, Peru, Bolivia);",
            &[
                ("Consider favourably the ratification of the ICRMW", &["MEX"]),
                ("Ratify the ICRMW", &["PER"]),
                ("Ratify promptly the ICRMW", &["BOL"]),
            ],
        );
        // A coordinated verb joins whichever alternative a state chose before it; a
        // participle after a comma qualifies the clause.
        reads_as(
            "Accede to (Slovenia)/sign (Sweden) and ratify the Second Optional Protocol (Chile, Slovenia, Sweden), aiming at the abolition of the death penalty (Slovenia, Sweden);",
            &[
                ("Ratify the Second Optional Protocol", &["CHL"]),
                ("Accede to and ratify the Second Optional Protocol, aiming at the abolition of the death penalty", &["SVN"]),
                ("Sign and ratify the Second Optional Protocol, aiming at the abolition of the death penalty", &["SWE"]),
            ],
        );
        // "or" offers another verb; a bare verb takes the object without the qualifier
        // another state added to it.
        reads_as(
            "Ratify (Slovakia, Spain), or consider ratifying (Costa Rica) the Rome Statute including its Agreement on Privileges and Immunities (Slovakia);",
            &[
                ("Ratify the Rome Statute", &["ESP"]),
                ("Consider ratifying the Rome Statute", &["CRI"]),
                ("Ratify the Rome Statute including its Agreement on Privileges and Immunities", &["SVK"]),
            ],
        );
    }

    #[test]
    fn qualifiers_and_gerunds_between_groups() {
        reads_as(
            "Consider the possibility of signing (Argentina)/consider (Chile, China), with priority, (Italy) ratifying the CRPD, and ensuring its full implementation (Chile);",
            &[
                ("Consider the possibility of signing the CRPD", &["ARG"]),
                ("Consider ratifying the CRPD", &["CHN"]),
                ("Consider, with priority, ratifying the CRPD", &["ITA"]),
                ("Consider ratifying the CRPD, and ensuring its full implementation", &["CHL"]),
            ],
        );
        // A footnote call after a group is not a word of the recommendation.
        reads_as(
            "Consider (Chile,1 China2), with priority, (Italy)3 ratifying the CRPD;",
            &[
                ("Consider ratifying the CRPD", &["CHL", "CHN"]),
                ("Consider, with priority, ratifying the CRPD", &["ITA"]),
            ],
        );
        // The object ends where a further clause begins, not at a comma of a title.
        reads_as(
            "Ratify (Chile) as soon as possible (France) the Optional Protocol to the Convention against Torture and Other Cruel, Inhuman or Degrading Treatment, and create a national mechanism (France);",
            &[
                ("Ratify the Optional Protocol to the Convention against Torture and Other Cruel, Inhuman or Degrading Treatment", &["CHL"]),
                ("Ratify as soon as possible the Optional Protocol to the Convention against Torture and Other Cruel, Inhuman or Degrading Treatment, and create a national mechanism", &["FRA"]),
            ],
        );
    }

    #[test]
    fn words_after_a_bare_verb_complete_it() {
        // The later states recommended the words after the verb by themselves.
        reads_as(
            "Consider (Slovenia, Latvia) issuing a standing invitation to special procedures (Uruguay);",
            &[
                ("Consider issuing a standing invitation to special procedures", &["SVN", "LVA"]),
                ("Issuing a standing invitation to special procedures", &["URY"]),
            ],
        );
        // An adverb of one state qualifies the verb after it for that state alone.
        reads_as(
            "Favourably (Mexico) consider ratifying the ICCPR (Brazil, Mexico);",
            &[
                ("Favourably consider ratifying the ICCPR", &["MEX"]),
                ("Consider ratifying the ICCPR", &["BRA"]),
            ],
        );
        // After a semicolon, an object of the verb before is another item of its list.
        reads_as(
            "To ratify ICCPR (Brazil, Chile); CEDAW (Chile), the Optional Protocol to CEDAW (Brazil);",
            &[
                ("Ratify ICCPR", &["BRA", "CHL"]),
                ("Ratify the Optional Protocol to CEDAW", &["BRA"]),
                ("Ratify CEDAW", &["CHL"]),
            ],
        );
    }

    #[test]
    fn states_named_again_recommended_each_object_of_a_list() {
        reads_as(
            "Ratify the Rome Statute (Mexico, France), the Convention on Enforced Disappearance (Mexico, France) and the CRPD (Mexico);",
            &[
                ("Ratify the Rome Statute", &["MEX", "FRA"]),
                ("Ratify the Convention on Enforced Disappearance", &["MEX", "FRA"]),
                ("Ratify the CRPD", &["MEX"]),
            ],
        );
        reads_as(
            "Ratify the ICESCR (Romania, Brazil) and the OP-CAT (Romania, United Kingdom) at the earliest opportunity (United Kingdom);",
            &[
                ("Ratify the ICESCR", &["ROU", "BRA"]),
                ("Ratify the OP-CAT", &["ROU"]),
                ("Ratify the OP-CAT at the earliest opportunity", &["GBR"]),
            ],
        );
        // "and its Optional Protocol" belongs to the object before it.
        reads_as(
            "Expedite ratification of the CAT (France, Mexico) and its Optional Protocol (France);",
            &[
                ("Expedite ratification of the CAT", &["MEX"]),
                (
                    "Expedite ratification of the CAT and its Optional Protocol",
                    &["FRA"],
                ),
            ],
        );
    }

    #[test]
    fn verbs_split_from_their_object() {
        assert_eq!(split_verb("ratify ICRMW"), Some(("ratify", "ICRMW")));
        assert_eq!(
            split_verb("/accede to the Convention"),
            Some(("accede to", "the Convention"))
        );
        assert_eq!(split_verb("Take measures to end it"), None);
    }
}

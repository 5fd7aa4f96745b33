//! Domain normalisation before TF-IDF: the words of [`crate::tokenize`] with treaty names,
//! acronyms and common paraphrases made one canonical token ("Optional Protocol to the
//! Convention against Torture", "OP-CAT", "OPCAT" → `opcat`), the ways of asking for a
//! ratification made one verb ("consider ratifying", "accede to", "become party to" →
//! `ratify`), plural endings cut, and stop words (function words and the hortative fillers
//! of the genre: "continue its efforts to", "take the necessary measures") dropped.
//!
//! The output is a string of canonical words that [`crate::tfidf::Vectoriser`] reads as any
//! other text; [`display`] turns a canonical token back into the name a person knows.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use crate::tokenize::{normalise as fold, words};

/// (canonical token, display name, phrases). Phrases are folded word sequences; one that
/// starts with "international" also matches without it.
const CANON: &[(&str, &str, &[&str])] = &[
    (
        "opcat",
        "OP-CAT",
        &[
            "optional protocol to the convention against torture and other cruel inhuman or degrading treatment or punishment",
            "optional protocol to the convention against torture",
            "optional protocol to cat",
            "optional protocol to the cat",
            "optional protocol of the convention against torture",
            "op cat",
            "opcat",
        ],
    ),
    (
        "uncat",
        "CAT",
        &[
            "convention against torture and other cruel inhuman or degrading treatment or punishment",
            "convention against torture",
            "cat",
        ],
    ),
    (
        "iccprop2",
        "ICCPR-OP2",
        &[
            "second optional protocol to the international covenant on civil and political rights aiming at the abolition of the death penalty",
            "second optional protocol to the international covenant on civil and political rights",
            "second optional protocol to the iccpr",
            "second optional protocol to iccpr",
            "second optional protocol",
            "iccpr op2",
            "op2",
        ],
    ),
    (
        "iccprop1",
        "ICCPR-OP1",
        &[
            "first optional protocol to the international covenant on civil and political rights",
            "optional protocol to the international covenant on civil and political rights",
            "first optional protocol to the iccpr",
            "first optional protocol to iccpr",
            "first op to the iccpr",
            "optional protocol to the iccpr",
            "optional protocol to iccpr",
            "optional protocols to the iccpr",
        ],
    ),
    (
        "iccpr",
        "ICCPR",
        &[
            "international covenant on civil and political rights",
            "covenant on civil and political rights",
            "iccpr",
        ],
    ),
    (
        "opicescr",
        "OP-ICESCR",
        &[
            "optional protocol to the international covenant on economic social and cultural rights",
            "optional protocol to the icescr",
            "optional protocol to icescr",
            "op icescr",
            "opicescr",
        ],
    ),
    (
        "icescr",
        "ICESCR",
        &[
            "international covenant on economic social and cultural rights",
            "covenant on economic social and cultural rights",
            "icescr",
        ],
    ),
    (
        "opcedaw",
        "OP-CEDAW",
        &[
            "optional protocol to the convention on the elimination of all forms of discrimination against women",
            "optional protocol to cedaw",
            "optional protocol to the cedaw",
            "op cedaw",
            "opcedaw",
        ],
    ),
    (
        "cedaw",
        "CEDAW",
        &[
            "convention on the elimination of all forms of discrimination against women",
            "cedaw",
        ],
    ),
    (
        "icerd",
        "ICERD",
        &[
            "international convention on the elimination of all forms of racial discrimination",
            "convention on the elimination of racial discrimination",
            "icerd",
            "cerd",
        ],
    ),
    (
        "opcrpd",
        "OP-CRPD",
        &[
            "optional protocol to the convention on the rights of persons with disabilities",
            "optional protocol to the crpd",
            "optional protocol to crpd",
            "op crpd",
        ],
    ),
    (
        "crpd",
        "CRPD",
        &[
            "convention on the rights of persons with disabilities",
            "crpd",
        ],
    ),
    (
        "opcrc",
        "OP-CRC",
        &[
            "optional protocols to the convention on the rights of the child",
            "optional protocol to the convention on the rights of the child",
            "optional protocol to the crc",
            "optional protocols to the crc",
            "op crc",
            "opsc",
            "opac",
        ],
    ),
    (
        "crc",
        "CRC",
        &["convention on the rights of the child", "crc"],
    ),
    (
        "cped",
        "CED",
        &[
            "international convention for the protection of all persons from enforced disappearance",
            "convention for the protection of all persons from enforced disappearances",
            "convention on enforced disappearances",
            "convention on enforced disappearance",
            "icppped",
            "icpped",
            "cpped",
            "cped",
            "ced",
        ],
    ),
    (
        "icrmw",
        "ICRMW",
        &[
            "international convention on the protection of the rights of all migrant workers and members of their families",
            "convention on the protection of the rights of all migrant workers and members of their families",
            "convention on migrant workers",
            "migrant workers convention",
            "icrmw",
            "icmw",
            "cmw",
            "icpmw",
        ],
    ),
    (
        "romestatute",
        "Rome Statute",
        &[
            "rome statute of the international criminal court",
            "rome statute",
            "statute of the international criminal court",
        ],
    ),
    (
        "istanbulconvention",
        "Istanbul Convention",
        &[
            "council of europe convention on preventing and combating violence against women and domestic violence",
            "istanbul convention",
        ],
    ),
    (
        "palermoprotocol",
        "Palermo Protocol",
        &[
            "protocol to prevent suppress and punish trafficking in persons especially women and children",
            "palermo protocol",
        ],
    ),
    (
        "genocideconvention",
        "Genocide Convention",
        &["convention on the prevention and punishment of the crime of genocide"],
    ),
    (
        "statelessness",
        "statelessness conventions",
        &[
            "convention relating to the status of stateless persons",
            "convention on the reduction of statelessness",
            "stateless persons",
            "stateless",
        ],
    ),
    (
        "refugeeconvention",
        "Refugee Convention",
        &[
            "convention relating to the status of refugees",
            "refugee convention",
        ],
    ),
    (
        "ilo169",
        "ILO C169",
        &[
            "ilo convention no 169",
            "ilo convention 169",
            "ilo 169",
            "indigenous and tribal peoples convention",
        ],
    ),
    (
        "ilo189",
        "ILO C189",
        &[
            "ilo convention no 189",
            "ilo convention 189",
            "ilo 189",
            "domestic workers convention",
        ],
    ),
    (
        "cade",
        "Convention against Discrimination in Education",
        &["convention against discrimination in education"],
    ),
    (
        "nhri",
        "NHRI",
        &[
            "national human rights institution",
            "national human rights institutions",
            "national institution for human rights",
            "national human rights commission",
            "national institution",
            "national institutions",
            "nhri",
            "nhris",
        ],
    ),
    (
        "ombudsman",
        "Ombudsman",
        &[
            "human rights ombudsman",
            "human rights ombudsperson",
            "ombudsperson",
            "ombudsman",
            "ombudsmen",
        ],
    ),
    (
        "npm",
        "NPM",
        &["national preventive mechanism", "npm"],
    ),
    (
        "fgm",
        "FGM",
        &["female genital mutilation", "fgm"],
    ),
    (
        "lgbti",
        "LGBTI",
        &[
            "lesbian gay bisexual transgender and intersex",
            "lesbian gay bisexual transgender intersex",
            "lesbian gay bisexual and transgender",
            "lesbian gay bisexual transgender",
            "sexual orientation and gender identity",
            "sexual orientation or gender identity",
            "lgbti",
            "lgbt",
            "lgbtq",
            "lgbtqi",
            "lgbtiq",
            "sogi",
        ],
    ),
    (
        "deathpenalty",
        "death penalty",
        &[
            "death penalty",
            "capital punishment",
            "death sentence",
            "death sentences",
            "capital offence",
            "capital offences",
            "capital offense",
            "capital offenses",
            "capital crime",
            "capital crimes",
        ],
    ),
    (
        "trafficking",
        "trafficking",
        &[
            "trafficking in human beings",
            "trafficking in persons",
            "human trafficking",
            "trafficking",
        ],
    ),
    (
        "gbv",
        "gender-based violence",
        &["gender based violence", "gbv"],
    ),
    (
        "hrd",
        "human rights defenders",
        &["human rights defenders", "human rights defender", "hrds"],
    ),
    (
        "disability",
        "persons with disabilities",
        &[
            "persons with disabilities",
            "people with disabilities",
            "persons with disability",
            "disabled persons",
            "disabilities",
        ],
    ),
    (
        "specialprocedures",
        "special procedures",
        &[
            "special procedures mandate holders",
            "special procedures",
            "special procedure",
        ],
    ),
    (
        "ohchr",
        "OHCHR",
        &[
            "office of the united nations high commissioner for human rights",
            "office of the high commissioner for human rights",
            "ohchr",
        ],
    ),
    (
        "upr",
        "UPR",
        &["universal periodic review", "upr"],
    ),
    (
        "sdg",
        "SDGs",
        &["sustainable development goals", "2030 agenda", "sdgs"],
    ),
    // The ways of asking for a ratification.
    (
        "ratify",
        "ratify",
        &[
            "become a party to",
            "become party to",
            "becoming a party to",
            "becoming party to",
            "be party to",
            "ratify",
            "ratifies",
            "ratified",
            "ratifying",
            "ratification",
            "ratifications",
            "accede",
            "accedes",
            "acceding",
            "accession",
            "adhere",
            "adhering",
            "adherence",
            "sign",
            "signing",
            "signature",
        ],
    ),
];

/// Qualifiers of the genre that name no ask of their own: recommendations on unrelated
/// subjects share them ("… in accordance with international human rights law", "protect the
/// legitimate rights and interests of …"), and grouping by them made the wrong groups of
/// docs/clustering.md. Dropped like stop words, longest match first.
const GENERIC: &[&str] = &[
    "in accordance with international human rights law",
    "in accordance with international human rights standards",
    "in accordance with international standards",
    "in accordance with its international obligations",
    "in accordance with international obligations",
    "in accordance with the law",
    "in line with international human rights law",
    "in line with international human rights standards",
    "in line with international standards",
    "in line with its international obligations",
    "in conformity with international standards",
    "in compliance with international standards",
    "international human rights law",
    "international human rights standards",
    "international human rights obligations",
    "its international obligations",
    "legitimate rights and interests",
];

/// Function words and the fillers every recommendation may carry.
const STOP: &[&str] = &[
    "a",
    "about",
    "above",
    "across",
    "after",
    "again",
    "against",
    "all",
    "also",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "being",
    "both",
    "but",
    "by",
    "can",
    "could",
    "do",
    "does",
    "during",
    "each",
    "either",
    "et",
    "etc",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "his",
    "how",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "many",
    "may",
    "more",
    "most",
    "much",
    "must",
    "no",
    "nor",
    "not",
    "of",
    "on",
    "one",
    "only",
    "or",
    "other",
    "others",
    "our",
    "out",
    "over",
    "own",
    "per",
    "same",
    "shall",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "very",
    "was",
    "we",
    "well",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "would",
    "yet",
    "you",
    "un",
    "united",
    "nations",
    "country",
    "countries",
    "state",
    "states",
    "party",
    "parties",
    "government",
    "authorities",
    // The genre's fillers: they say how insistently, not what.
    "consider",
    "considering",
    "continue",
    "continues",
    "continuing",
    "pursue",
    "pursuing",
    "effort",
    "efforts",
    "endeavour",
    "endeavours",
    "step",
    "steps",
    "measure",
    "measures",
    "take",
    "taking",
    "necessary",
    "appropriate",
    "possible",
    "possibility",
    "soon",
    "process",
    "complete",
    "completing",
    "undertake",
    "undertaking",
    "speed",
    "expedite",
    "expediting",
    "timely",
    "swift",
    "swiftly",
    "promptly",
    "view",
    "aim",
    "aiming",
    "order",
    "including",
    "include",
    "particular",
    "particularly",
    "especially",
    "relevant",
    "make",
    "making",
    "possibly",
    "early",
    "earliest",
    "date",
    "already",
    "recommendation",
    "recommendations",
    "recommended",
    "previous",
    "previously",
    "cycle",
    "review",
    "accepted",
    "intensify",
    "redouble",
    "increase",
    "enhance",
    "step",
    "towards",
    "toward",
    "regard",
    "regards",
    "respect",
    "terms",
    "field",
    "area",
    "areas",
    "matter",
    "matters",
    "issue",
    "issues",
    "ways",
    "means",
    "effectively",
    "effective",
    "fully",
    "full",
    "concrete",
    "specific",
    "adequate",
    "adequately",
    "sufficient",
    "existing",
    "current",
    "currently",
    "new",
    "various",
    "inter",
    "alia",
    "so",
    "called",
    "given",
    "based",
    "related",
    "concerning",
    "regarding",
    "framework",
    "directed",
    "aimed",
];

/// Irregular plurals of the genre; the rest lose a final "s".
const IRREGULAR: &[(&str, &str)] = &[
    ("children", "child"),
    ("women", "woman"),
    ("men", "man"),
    ("girls", "girl"),
    ("people", "person"),
    ("persons", "person"),
    ("peoples", "person"),
    ("laws", "law"),
];

struct Tables {
    /// First word → (phrase words, canonical token), longest phrase first.
    phrases: HashMap<&'static str, Vec<(Vec<&'static str>, &'static str)>>,
    stop: HashSet<&'static str>,
    irregular: HashMap<&'static str, &'static str>,
    display: HashMap<&'static str, &'static str>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let mut phrases: HashMap<&'static str, Vec<(Vec<&'static str>, &'static str)>> = HashMap::new();
    let mut display = HashMap::new();
    let mut add = |phrase: &'static str, token: &'static str| {
        let words: Vec<&'static str> = phrase.split(' ').collect();
        let mut forms = vec![words.clone()];
        if words.len() > 2 && words[0] == "international" {
            forms.push(words[1..].to_vec());
        }
        for form in forms {
            if let Some(first) = form.first().copied() {
                phrases.entry(first).or_default().push((form, token));
            }
        }
    };
    for (token, name, variants) in CANON {
        display.insert(*token, *name);
        for v in *variants {
            add(v, token);
        }
    }
    // A generic qualifier is a phrase with no token: matched, then dropped.
    for phrase in GENERIC {
        add(phrase, "");
    }
    for list in phrases.values_mut() {
        list.sort_by_key(|(words, _)| std::cmp::Reverse(words.len()));
    }
    Tables {
        phrases,
        stop: STOP.iter().copied().collect(),
        irregular: IRREGULAR.iter().copied().collect(),
        display,
    }
});

fn stem(word: &str) -> &str {
    if let Some(s) = TABLES.irregular.get(word) {
        return s;
    }
    let n = word.len();
    if n > 4
        && word.ends_with('s')
        && !word.ends_with("ss")
        && !word.ends_with("us")
        && !word.ends_with("is")
        && word.is_ascii()
    {
        &word[..n - 1]
    } else {
        word
    }
}

/// Choices of the normalisation, measured in docs/clustering.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Normalisation {
    /// Treaty names, acronyms, the ways of asking for a ratification, stop words.
    pub domain: bool,
    /// Words longer than this are cut to it ("abolition", "abolish" → "abolis" at 6), a
    /// crude stemmer that also meets derivations; 0 keeps whole words. Canonical tokens
    /// ("iccprop2") are never cut.
    pub prefix: u8,
    /// An optional protocol also yields its treaty's token ("iccprop1" → "iccprop1 iccpr").
    pub protocol_parent: bool,
}

impl Default for Normalisation {
    fn default() -> Self {
        Self {
            domain: true,
            prefix: 0,
            protocol_parent: false,
        }
    }
}

/// The canonical words of a text, as one space-separated string.
pub fn canonical(text: &str) -> String {
    canonical_with(text, &Normalisation::default(), None)
}

fn parent(token: &str) -> Option<&'static str> {
    Some(match token {
        "opcat" => "uncat",
        "iccprop1" | "iccprop2" => "iccpr",
        "opicescr" => "icescr",
        "opcedaw" => "cedaw",
        "opcrpd" => "crpd",
        "opcrc" => "crc",
        _ => return None,
    })
}

/// [`canonical`] with explicit choices; `surfaces`, when given, learns which word each cut
/// word came from (the first seen), so that people read words, not stems.
pub fn canonical_with(
    text: &str,
    options: &Normalisation,
    mut surfaces: Option<&mut HashMap<String, String>>,
) -> String {
    let folded = fold(text);
    let words = words(&folded);
    if !options.domain {
        return words.join(" ");
    }
    let tables = &*TABLES;
    let mut out = String::with_capacity(folded.len());
    let mut push = |w: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    };
    let mut i = 0;
    while i < words.len() {
        let matched = tables.phrases.get(words[i]).and_then(|list| {
            list.iter().find(|(phrase, _)| {
                words.len() - i >= phrase.len()
                    && phrase.iter().zip(&words[i..]).all(|(p, w)| p == w)
            })
        });
        if let Some((phrase, token)) = matched {
            if token.is_empty() {
                i += phrase.len();
                continue;
            }
            push(token);
            if options.protocol_parent {
                if let Some(p) = parent(token) {
                    push(p);
                }
            }
            i += phrase.len();
            continue;
        }
        let w = stem(words[i]);
        if tables.stop.contains(w) || tables.stop.contains(words[i]) {
            i += 1;
            continue;
        }
        let cut = usize::from(options.prefix);
        if cut > 0 && w.len() > cut && w.is_ascii() {
            let short = &w[..cut];
            // People read the shortest whole word a cut stands for ("human", not
            // "humanitarian"; the word itself when it occurs whole).
            if let Some(map) = surfaces.as_deref_mut() {
                match map.get_mut(short) {
                    Some(seen) if seen.len() > w.len() => *seen = w.to_string(),
                    Some(_) => {}
                    None => {
                        map.insert(short.to_string(), w.to_string());
                    }
                }
            }
            push(short);
        } else {
            if w.len() == cut {
                if let Some(map) = surfaces.as_deref_mut() {
                    map.insert(w.to_string(), w.to_string());
                }
            }
            push(w);
        }
        i += 1;
    }
    out
}

/// The name a person knows for a canonical term ("opcat" → "OP-CAT"); a bigram shows both.
pub fn display(term: &str) -> String {
    term.split(' ')
        .map(|w| TABLES.display.get(w).copied().unwrap_or(w))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn treaty_names_and_acronyms_meet() {
        assert_eq!(canonical("Ratify OP-CAT"), "ratify opcat");
        assert_eq!(
            canonical("Consider ratifying the Optional Protocol to the Convention against Torture"),
            "ratify opcat"
        );
        assert_eq!(
            canonical("Accede to the International Covenant on Civil and Political Rights"),
            "ratify iccpr"
        );
        assert_eq!(
            canonical("Become a party to the Rome Statute"),
            "ratify romestatute"
        );
        assert_eq!(
            canonical("Continue its efforts to combat trafficking in persons, especially women and children"),
            "combat trafficking woman child"
        );
        assert_eq!(display("ratify opcat"), "ratify OP-CAT");
    }

    #[test]
    fn generic_qualifiers_are_dropped() {
        assert_eq!(
            canonical("Protect the legitimate rights and interests of journalists"),
            canonical("Protect journalists")
        );
        assert_eq!(
            canonical("Reform the criminal code in accordance with international human rights law"),
            canonical("Reform the criminal code")
        );
        // A treaty named inside a qualifier-like phrase keeps its token.
        assert!(
            canonical("Respect its international obligations under the ICCPR").contains("iccpr")
        );
    }
}

//! SDG goals and targets for a recommendation, without training data: the official target
//! texts (lexical similarity) and a table of human-rights vocabulary mapped to the targets
//! it serves (keyword expansion). The table speaks the language of recommendations
//! ("hate speech", "Ombudsman", "awareness-raising") that the targets' development
//! language lacks, following the themes-to-SDG reading that OHCHR applies in its lists.

use std::collections::BTreeMap;

use rightstrack_core::{SdgGoal, SdgTarget};

use crate::tokenize::{normalise, words};

/// Human-rights vocabulary → SDG targets. A term is a space-separated sequence of word
/// prefixes ("discriminat" matches "discrimination", "discriminatory"); its weight says how
/// sure the term alone makes the target (1: on its own; 0.5: needs support).
const VOCABULARY: &[(&str, &[&str], f32)] = &[
    // 1 No poverty
    ("poverty", &["1.2"], 1.0),
    ("poor", &["1.2"], 0.6),
    ("social protection", &["1.3"], 1.0),
    ("social security", &["1.3"], 1.0),
    ("social assistance", &["1.3"], 1.0),
    ("social benefit", &["1.3"], 1.0),
    ("basic services", &["1.4", "11.1"], 1.0),
    ("standard of living", &["1.2"], 1.0),
    // 2 Zero hunger
    ("hunger", &["2.1"], 1.0),
    ("food", &["2.1"], 1.0),
    ("nutrition", &["2.2"], 1.0),
    ("malnutrition", &["2.2"], 1.0),
    ("agricultur", &["2.3"], 1.0),
    ("farmer", &["2.3"], 1.0),
    // 3 Good health and well-being
    ("health", &["3.8"], 1.0),
    ("medical", &["3.8"], 1.0),
    ("healthcare", &["3.8"], 1.0),
    ("mental", &["3.4"], 0.6),
    ("psychiatric", &["3.4"], 1.0),
    ("maternal", &["3.1"], 1.0),
    ("mortality", &["3.2"], 1.0),
    ("hiv", &["3.3"], 1.0),
    ("aids", &["3.3"], 1.0),
    ("tuberculosis", &["3.3"], 1.0),
    ("malaria", &["3.3"], 1.0),
    ("drug", &["3.5"], 0.6),
    ("alcohol", &["3.5"], 1.0),
    ("reproductive", &["3.7", "5.6"], 1.0),
    ("abortion", &["3.7"], 1.0),
    ("contracept", &["3.7"], 1.0),
    ("tobacco", &["3.a"], 1.0),
    ("vaccin", &["3.b"], 1.0),
    ("immunization", &["3.b"], 1.0),
    ("well being", &["3.4"], 0.6),
    // 4 Quality education
    ("education", &["4.1"], 1.0),
    ("school", &["4.1"], 1.0),
    ("pupil", &["4.1"], 1.0),
    ("student", &["4.3"], 1.0),
    ("teacher", &["4.c"], 1.0),
    ("literacy", &["4.6"], 1.0),
    ("early childhood", &["4.2"], 1.0),
    ("vocational", &["4.3"], 1.0),
    ("universit", &["4.3"], 0.6),
    ("curricul", &["4.7"], 1.0),
    ("awareness", &["4.7"], 1.0),
    ("sensiti", &["4.7"], 0.6),
    ("sensitiz", &["4.7"], 1.0),
    ("campaign", &["4.7"], 0.6),
    ("train", &["4.7"], 1.0),
    ("human rights education", &["4.7"], 1.0),
    // 5 Gender equality
    ("women", &["5.1"], 1.0),
    ("woman", &["5.1"], 1.0),
    ("girl", &["5.1"], 1.0),
    ("gender", &["5.1"], 1.0),
    ("domestic violence", &["5.2", "16.1"], 1.0),
    ("sexual violence", &["5.2", "16.1"], 1.0),
    ("sexual harassment", &["5.2"], 1.0),
    ("female genital", &["5.3"], 1.0),
    ("child marriage", &["5.3"], 1.0),
    ("early marriage", &["5.3"], 1.0),
    ("forced marriage", &["5.3"], 1.0),
    ("maternity", &["5.4"], 1.0),
    ("paternity", &["5.4"], 1.0),
    ("parental leave", &["5.4"], 1.0),
    ("unpaid care", &["5.4"], 1.0),
    ("transgender", &["5.1"], 0.6),
    ("intersex", &["5.1"], 0.6),
    // 6 Clean water and sanitation
    ("water", &["6.1"], 1.0),
    ("sanitation", &["6.2"], 1.0),
    ("hygiene", &["6.2"], 1.0),
    // 7 Energy
    ("energy", &["7.1"], 1.0),
    ("electricity", &["7.1"], 1.0),
    ("renewable", &["7.2"], 1.0),
    // 8 Decent work and economic growth
    ("employment", &["8.5"], 1.0),
    ("unemploy", &["8.5"], 1.0),
    ("employ", &["8.5"], 0.6),
    ("labour", &["8.8"], 1.0),
    ("labor", &["8.8"], 1.0),
    ("worker", &["8.8"], 1.0),
    ("working conditions", &["8.8"], 1.0),
    ("work", &["8.5"], 0.6),
    ("job", &["8.5"], 1.0),
    ("wage", &["8.5", "10.4"], 1.0),
    ("equal pay", &["8.5"], 1.0),
    ("equal remuneration", &["8.5"], 1.0),
    ("pay gap", &["8.5"], 1.0),
    ("forced labour", &["8.7"], 1.0),
    ("child labour", &["8.7"], 1.0),
    ("slavery", &["8.7"], 1.0),
    // OHCHR files trafficking under slavery (8.7) and exploitation (16.2), not gender.
    ("trafficking", &["8.7", "16.2"], 1.0),
    ("young people", &["8.6"], 1.0),
    ("youth", &["8.6"], 1.0),
    ("economic growth", &["8.1"], 1.0),
    ("tourism", &["8.9"], 1.0),
    ("trade union", &["8.8"], 1.0),
    // 9 Industry, innovation and infrastructure
    ("infrastructure", &["9.1"], 1.0),
    ("internet", &["9.c"], 1.0),
    ("industr", &["9.2"], 0.6),
    // 10 Reduced inequalities
    ("discriminat", &["10.3"], 1.0),
    ("equality", &["10.3"], 1.0),
    ("inequalit", &["10.1"], 1.0),
    ("equal opportunit", &["10.3"], 1.0),
    ("racism", &["10.3"], 1.0),
    ("racial", &["10.3"], 1.0),
    ("racist", &["10.3"], 1.0),
    ("xenophob", &["10.3"], 1.0),
    ("intoleran", &["10.3"], 1.0),
    ("hate speech", &["10.3"], 1.0),
    ("minorit", &["10.2"], 1.0),
    ("roma", &["10.2"], 1.0),
    ("ethnic", &["10.2"], 1.0),
    ("indigenous", &["10.2"], 1.0),
    ("disabilit", &["10.2"], 1.0),
    ("older persons", &["10.2"], 1.0),
    ("elderly", &["10.2"], 1.0),
    ("inclusion", &["10.2"], 1.0),
    ("integration", &["10.2"], 0.6),
    ("vulnerable groups", &["10.2"], 1.0),
    ("migrant", &["10.7"], 1.0),
    ("migration", &["10.7"], 1.0),
    ("asylum", &["10.7"], 1.0),
    ("refugee", &["10.7"], 1.0),
    ("sexual orientation", &["10.3"], 1.0),
    ("lesbian", &["10.3"], 1.0),
    ("lgbt", &["10.3"], 1.0),
    ("erased", &["10.3", "16.9"], 0.6),
    // 11 Sustainable cities and communities
    ("housing", &["11.1"], 1.0),
    ("homeless", &["11.1"], 1.0),
    ("evict", &["11.1"], 1.0),
    ("settlement", &["11.1"], 0.6),
    ("slum", &["11.1"], 1.0),
    ("public transport", &["11.2"], 1.0),
    ("cultur", &["11.4"], 1.0),
    ("heritage", &["11.4"], 1.0),
    ("disaster", &["11.5", "13.1"], 1.0),
    ("urban", &["11.3"], 1.0),
    ("public spaces", &["11.7"], 1.0),
    // 12 Responsible consumption and production
    ("business", &["12.6"], 1.0),
    ("compan", &["12.6"], 1.0),
    ("corporat", &["12.6"], 0.6),
    ("waste", &["12.5"], 1.0),
    ("chemical", &["12.4"], 1.0),
    ("consumption", &["12.2"], 0.6),
    // 13 Climate action
    ("climate", &["13.1", "13.2"], 1.0),
    ("global warming", &["13.2"], 1.0),
    ("greenhouse", &["13.2"], 1.0),
    // 14 Life below water
    ("ocean", &["14.1"], 1.0),
    ("marine", &["14.1"], 1.0),
    ("fisher", &["14.b"], 1.0),
    // 15 Life on land
    ("forest", &["15.2"], 1.0),
    ("biodiversity", &["15.5"], 1.0),
    ("desertification", &["15.3"], 1.0),
    ("wildlife", &["15.7"], 1.0),
    // 16 Peace, justice and strong institutions
    ("violence", &["16.1"], 1.0),
    ("torture", &["16.1"], 1.0),
    ("ill treatment", &["16.1"], 1.0),
    ("killing", &["16.1"], 1.0),
    ("death penalty", &["16.1"], 1.0),
    ("disappearance", &["16.1"], 1.0),
    ("hate crime", &["16.1"], 1.0),
    ("abuse", &["16.2"], 1.0),
    ("exploitation", &["16.2"], 1.0),
    ("corporal punishment", &["16.2"], 1.0),
    ("justice", &["16.3"], 1.0),
    ("judicia", &["16.3"], 1.0),
    ("judge", &["16.3"], 1.0),
    ("court", &["16.3"], 1.0),
    ("fair trial", &["16.3"], 1.0),
    ("legal aid", &["16.3"], 1.0),
    ("remed", &["16.3"], 1.0),
    ("prosecut", &["16.3"], 1.0),
    ("investigat", &["16.3"], 1.0),
    ("perpetrator", &["16.3"], 1.0),
    ("criminal", &["16.3"], 1.0),
    ("prison", &["16.3"], 1.0),
    ("detention", &["16.3"], 1.0),
    ("detain", &["16.3"], 1.0),
    ("police", &["16.3"], 1.0),
    ("victim", &["16.3"], 0.6),
    ("arms", &["16.4"], 1.0),
    ("firearm", &["16.4"], 1.0),
    ("corruption", &["16.5"], 1.0),
    ("bribery", &["16.5"], 1.0),
    ("accountab", &["16.6"], 1.0),
    ("transparen", &["16.6"], 1.0),
    ("participation", &["16.7"], 1.0),
    ("representation", &["16.7"], 1.0),
    ("elected", &["16.7"], 1.0),
    ("decision making", &["16.7"], 1.0),
    ("birth registration", &["16.9"], 1.0),
    ("legal identity", &["16.9"], 1.0),
    ("statelessness", &["16.9"], 1.0),
    ("stateless", &["16.9"], 1.0),
    ("freedom of expression", &["16.10"], 1.0),
    ("freedom of opinion", &["16.10"], 1.0),
    ("freedom of the media", &["16.10"], 1.0),
    ("media", &["16.10"], 0.6),
    ("journalist", &["16.10"], 1.0),
    ("human rights defenders", &["16.10"], 1.0),
    ("access to information", &["16.10"], 1.0),
    ("national human rights institution", &["16.a"], 1.0),
    ("national institution", &["16.a"], 1.0),
    ("ombudsman", &["16.a"], 1.0),
    ("ombudsperson", &["16.a"], 1.0),
    ("paris principles", &["16.a"], 1.0),
    ("terroris", &["16.a"], 1.0),
    ("legislation", &["16.b"], 0.4),
    ("law", &["16.b"], 0.4),
    ("legal framework", &["16.b"], 0.6),
    ("crime", &["16.1"], 0.6),
    // 17 Partnerships for the goals
    ("development assistance", &["17.2"], 1.0),
    ("official development", &["17.2"], 1.0),
    ("development aid", &["17.2"], 1.0),
    ("humanitarian aid", &["17.2"], 1.0),
    ("gross national", &["17.2"], 1.0),
    ("technical assistance", &["17.9"], 1.0),
    ("capacity building", &["17.9"], 0.6),
    ("international cooperation", &["17.9"], 0.6),
    ("disaggregated", &["17.18"], 1.0),
    ("statistic", &["17.18"], 1.0),
    ("data", &["17.18"], 0.6),
    ("debt", &["17.4"], 1.0),
    ("partnership", &["17.17"], 0.6),
];

/// Phrases that name a whole body of rights rather than a topic (the covenant "on
/// Economic, Social and Cultural Rights"): their words are not evidence.
const GENERAL_PHRASES: &[&str] = &["economic social and cultural rights"];

/// Words too common in target texts and recommendations to say anything.
const STOP: &[&str] = &[
    "the",
    "and",
    "of",
    "to",
    "in",
    "for",
    "all",
    "by",
    "on",
    "with",
    "including",
    "its",
    "their",
    "as",
    "at",
    "ensure",
    "promote",
    "2030",
    "2020",
    "2025",
    "take",
    "measures",
    "efforts",
    "continue",
    "strengthen",
    "particular",
    "other",
    "such",
    "that",
    "be",
    "or",
    "an",
    "from",
    "into",
    "through",
    "ensuring",
    "increase",
    "implement",
    "national",
    "countries",
    "rights",
    "human",
    "effective",
    "further",
    "substantially",
];

/// One SDG suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct SdgMatch {
    pub goals: Vec<(SdgGoal, f32)>,
    /// Target codes ("16.2"), most confident first.
    pub targets: Vec<(&'static str, f32)>,
}

struct Term {
    /// As the vocabulary writes it, for explanations.
    phrase: &'static str,
    prefixes: Vec<String>,
    targets: Vec<usize>,
    weight: f32,
}

pub struct SdgMatcher {
    terms: Vec<Term>,
    /// Per target: its words with IDF weights (over the 169 target texts), unit length.
    target_vectors: Vec<BTreeMap<String, f32>>,
    idf: BTreeMap<String, f32>,
    /// How much a unit of cosine similarity to a target's text counts.
    pub lexical_weight: f32,
    /// A goal or target is suggested from this confidence on.
    pub threshold: f32,
}

impl Default for SdgMatcher {
    fn default() -> Self {
        Self::new()
    }
}

fn content_words(text: &str) -> Vec<String> {
    let n = normalise(text);
    words(&n)
        .into_iter()
        .filter(|w| !STOP.contains(w))
        .map(str::to_string)
        .collect()
}

impl SdgMatcher {
    pub fn new() -> Self {
        let targets = SdgTarget::all();
        let index = |code: &str| targets.iter().position(|t| t.code == code);
        let terms = VOCABULARY
            .iter()
            .map(|(term, codes, weight)| Term {
                phrase: term,
                prefixes: words(&normalise(term))
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
                targets: codes.iter().filter_map(|c| index(c)).collect(),
                weight: *weight,
            })
            .collect();
        let docs: Vec<Vec<String>> = targets.iter().map(|t| content_words(t.title)).collect();
        let mut df: BTreeMap<String, f32> = BTreeMap::new();
        for d in &docs {
            let mut seen: Vec<&String> = d.iter().collect();
            seen.sort();
            seen.dedup();
            for w in seen {
                *df.entry(w.clone()).or_insert(0.0) += 1.0;
            }
        }
        let n = docs.len() as f32;
        let idf: BTreeMap<String, f32> = df
            .into_iter()
            .map(|(w, d)| (w, (n / d).ln() + 1.0))
            .collect();
        let target_vectors = docs.iter().map(|d| vector(d, &idf)).collect();
        Self {
            terms,
            target_vectors,
            idf,
            lexical_weight: 1.0,
            threshold: 0.5,
        }
    }

    /// What `text` holds as evidence: the vocabulary terms found in it, and its word vector
    /// for the lexical similarity to the targets' own texts.
    fn found(&self, text: &str) -> (Vec<&Term>, BTreeMap<String, f32>) {
        let mut normalised = normalise(text);
        for phrase in GENERAL_PHRASES {
            normalised = words(&normalised).join(" ").replace(phrase, " ");
        }
        let ws = words(&normalised);
        let hits = self
            .terms
            .iter()
            .filter(|term| {
                ws.windows(term.prefixes.len()).any(|win| {
                    win.iter()
                        .zip(&term.prefixes)
                        .all(|(w, p)| w.starts_with(p.as_str()))
                })
            })
            .collect();
        let q = if self.lexical_weight > 0.0 {
            vector(&content_words(text), &self.idf)
        } else {
            BTreeMap::new()
        };
        (hits, q)
    }

    /// What each piece of evidence adds to target `t`: (term or word, amount).
    fn contributions(
        &self,
        hits: &[&Term],
        q: &BTreeMap<String, f32>,
        t: usize,
    ) -> Vec<(String, f32)> {
        let mut out: Vec<(String, f32)> = hits
            .iter()
            .filter(|term| term.targets.contains(&t))
            .map(|term| (term.phrase.to_string(), term.weight))
            .collect();
        if let Some(tv) = self.target_vectors.get(t) {
            out.extend(
                q.iter()
                    .filter_map(|(w, v)| Some((w.clone(), self.lexical_weight * v * tv.get(w)?))),
            );
        }
        out
    }

    /// The evidence for each target: the weights of the terms found, plus the similarity
    /// of the text to the target's own text.
    fn evidence(&self, hits: &[&Term], q: &BTreeMap<String, f32>) -> Vec<f32> {
        let mut evidence = vec![0f32; self.target_vectors.len()];
        for term in hits {
            for t in &term.targets {
                evidence[*t] += term.weight;
            }
        }
        if !q.is_empty() {
            for (e, tv) in evidence.iter_mut().zip(&self.target_vectors) {
                let cos: f32 = q.iter().filter_map(|(w, v)| Some(v * tv.get(w)?)).sum();
                *e += self.lexical_weight * cos;
            }
        }
        evidence
    }

    /// Goals and targets whose confidence reaches the threshold, most confident first.
    pub fn matches(&self, text: &str) -> SdgMatch {
        let targets = SdgTarget::all();
        let (hits, q) = self.found(text);
        let evidence = self.evidence(&hits, &q);
        let mut by_target: Vec<(&'static str, f32)> = targets
            .iter()
            .zip(&evidence)
            .filter(|(_, e)| **e > 0.0)
            .map(|(t, e)| (t.code, confidence(*e)))
            .collect();
        let mut goals: BTreeMap<SdgGoal, f32> = BTreeMap::new();
        for (t, e) in targets.iter().zip(&evidence) {
            let g = goals.entry(t.goal).or_insert(0.0);
            *g = g.max(confidence(*e));
        }
        let mut goals: Vec<(SdgGoal, f32)> = goals
            .into_iter()
            .filter(|(_, c)| *c >= self.threshold)
            .collect();
        goals.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        by_target.retain(|(_, c)| *c >= self.threshold);
        by_target.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        SdgMatch {
            goals,
            targets: by_target,
        }
    }

    /// The terms and words of `text` that drove the suggestion `code` (a target such as
    /// "16.2", or a goal such as "16", explained by its best target), with what each added
    /// to the evidence, strongest first (at most `limit`).
    pub fn explain(&self, text: &str, code: &str, limit: usize) -> Vec<(String, f32)> {
        let targets = SdgTarget::all();
        let (hits, q) = self.found(text);
        let best = match targets.iter().position(|t| t.code == code) {
            Some(t) => Some(t),
            None => SdgGoal::parse(code).ok().and_then(|goal| {
                let evidence = self.evidence(&hits, &q);
                (0..targets.len())
                    .filter(|t| targets[*t].goal == goal)
                    .max_by(|a, b| evidence[*a].total_cmp(&evidence[*b]))
            }),
        };
        let Some(t) = best else {
            return Vec::new();
        };
        let mut out = self.contributions(&hits, &q, t);
        out.retain(|c| c.1 > 0.0);
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out.truncate(limit);
        out
    }
}

/// Evidence (sum of term weights and similarity) as a confidence in [0, 1): one sure
/// term gives 0.63, two 0.86.
fn confidence(evidence: f32) -> f32 {
    1.0 - (-evidence).exp()
}

fn vector(words: &[String], idf: &BTreeMap<String, f32>) -> BTreeMap<String, f32> {
    let mut v: BTreeMap<String, f32> = BTreeMap::new();
    for w in words {
        if let Some(weight) = idf.get(w) {
            *v.entry(w.clone()).or_insert(0.0) += weight;
        }
    }
    let norm = v.values().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.values_mut().for_each(|x| *x /= norm);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goals(text: &str) -> Vec<u8> {
        let mut g: Vec<u8> = SdgMatcher::new()
            .matches(text)
            .goals
            .iter()
            .map(|g| g.0.number())
            .collect();
        g.sort_unstable();
        g
    }

    #[test]
    fn vocabulary_targets_are_official() {
        for (term, codes, _) in VOCABULARY {
            for c in *codes {
                assert!(SdgTarget::parse(c).is_ok(), "{term}: {c}");
            }
        }
    }

    #[test]
    fn recommendations_meet_their_goals() {
        assert_eq!(goals("Combat domestic violence against women"), [5, 16]);
        assert_eq!(
            goals("Increase official development assistance to 0.7 per cent"),
            [17]
        );
        assert!(goals("Ratify the Optional Protocol to the Convention").is_empty());
        let m = SdgMatcher::new()
            .matches("Guarantee access to safe drinking water and sanitation for Roma");
        assert!(m.targets.iter().any(|t| t.0 == "6.1"));
    }

    #[test]
    fn explanations_are_the_evidence_itself() {
        let matcher = SdgMatcher::new();
        let text = "Guarantee access to safe drinking water and sanitation for Roma";
        let why = matcher.explain(text, "6.1", 5);
        assert!(!why.is_empty());
        assert!(why.windows(2).all(|w| w[0].1 >= w[1].1), "strongest first");
        assert!(why.iter().any(|(t, _)| t.contains("water")), "{why:?}");
        // All of it, summed, is the target's evidence, hence its confidence.
        let (hits, q) = matcher.found(text);
        let t = SdgTarget::all()
            .iter()
            .position(|t| t.code == "6.1")
            .unwrap_or_default();
        let all: f32 = matcher
            .explain(text, "6.1", usize::MAX)
            .iter()
            .map(|c| c.1)
            .sum();
        assert!((all - matcher.evidence(&hits, &q)[t]).abs() < 1e-4);
        // A goal is explained by its best target; nothing explains an unknown code.
        assert!(!matcher.explain(text, "6", 3).is_empty());
        assert!(matcher.explain(text, "99.9", 3).is_empty());
    }
}

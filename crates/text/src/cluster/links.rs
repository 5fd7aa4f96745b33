//! Cross-cycle links: for each recommendation, the earlier ones made to the same state (in
//! an earlier cycle) that it repeats, follows up or relates to, by similarity bands, and
//! the explicit references to earlier recommendations ("As previously recommended", "in
//! follow-up to the recommendations contained in paragraphs 186.136 and 186.137").

use std::collections::HashMap;

use rightstrack_core::LinkKind;

use super::{scored_pairs, Blocking, ClusterItem, Scope, Space};

#[derive(Debug, Clone, PartialEq)]
pub struct LinkParams {
    /// Cosine at or above which the later recommendation repeats the earlier one.
    pub repeats: f32,
    /// … follows it up (asks for the next step on the same matter).
    pub follows_up: f32,
    /// … is related to it.
    pub related: f32,
    /// Earlier recommendations kept per recommendation, most similar first.
    pub max_per_item: usize,
    pub shared_terms: usize,
}

impl Default for LinkParams {
    fn default() -> Self {
        Self {
            repeats: 0.55,
            follows_up: 0.40,
            related: 0.30,
            max_per_item: 3,
            shared_terms: 5,
        }
    }
}

/// A recommendation (`from`) and an earlier one (`to`), indices into the items.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub from: usize,
    pub to: usize,
    pub kind: LinkKind,
    pub score: f32,
    pub shared_terms: Vec<String>,
    /// The later text refers to earlier recommendations in words or by paragraph.
    pub explicit: bool,
}

/// What a text says of earlier recommendations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The words that refer back, as found (lower case).
    pub phrase: String,
    /// Paragraph numbers cited ("186.136").
    pub paragraphs: Vec<String>,
}

const MARKERS: &[&str] = &[
    "as previously recommended",
    "previously recommended",
    "as recommended previously",
    "as recommended during the",
    "as recommended in the",
    "in follow-up to",
    "in follow up to",
    "following up on",
    "follow-up to the recommendation",
    "follow up to the recommendation",
    "previous recommendation",
    "previous review",
    "previous upr",
    "previous cycle",
    "last review",
    "first review",
    "second review",
    "first cycle",
    "second cycle",
    "first upr",
    "second upr",
    "recommendations accepted",
    "recommendations it accepted",
    "recommendations supported",
    "accepted recommendations",
    "supported recommendations",
    "recommendations received",
    "earlier recommendation",
    "in line with recommendation",
    "reiterate",
];

/// The explicit reference to earlier recommendations in `text`, if any.
pub fn explicit_reference(text: &str) -> Option<Reference> {
    let lower = text.to_lowercase().replace('\u{2011}', "-");
    let phrase = MARKERS
        .iter()
        .find(|m| lower.contains(*m))
        .map(|m| m.to_string());
    let mut paragraphs = Vec::new();
    if lower.contains("paragraph") || lower.contains("recommendation") || lower.contains("para") {
        for token in lower.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
            let token = token.trim_matches('.');
            let mut parts = token.split('.');
            let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) else {
                continue;
            };
            if (1..=3).contains(&a.len()) && (1..=3).contains(&b.len()) {
                paragraphs.push(token.to_string());
            }
        }
    }
    match (phrase, paragraphs.is_empty()) {
        (None, true) => None,
        (phrase, _) => Some(Reference {
            phrase: phrase.unwrap_or_else(|| "paragraph".to_string()),
            paragraphs,
        }),
    }
}

fn paragraph_key(p: &str) -> &str {
    p.trim().trim_end_matches('.')
}

/// Links from each recommendation to the earlier ones (same state, earlier cycle) it
/// repeats, follows up or relates to; at most `max_per_item` per recommendation, plus
/// every earlier recommendation its text cites by paragraph number.
pub fn cross_cycle_links(items: &[ClusterItem], params: &LinkParams) -> Vec<Link> {
    let space = Space::new(items, &super::Params::default());
    cross_cycle_links_in(&space, items, params)
}

/// [`cross_cycle_links`] over an already built [`Space`] of the same items.
pub fn cross_cycle_links_in(
    space: &Space,
    items: &[ClusterItem],
    params: &LinkParams,
) -> Vec<Link> {
    let earlier = |a: usize, b: usize| match (items[a].cycle, items[b].cycle) {
        (Some(x), Some(y)) => x < y,
        _ => false,
    };
    let references: Vec<Option<Reference>> =
        items.iter().map(|it| explicit_reference(it.text)).collect();
    let mut by_from: HashMap<usize, Vec<(usize, f32)>> = HashMap::new();
    let blocking = Blocking::InvertedIndex { max_df_share: 0.05 };
    for (a, b, s) in scored_pairs(space, items, blocking, Scope::SameState, params.related) {
        let (a, b) = (a as usize, b as usize);
        if earlier(a, b) {
            by_from.entry(b).or_default().push((a, s));
        } else if earlier(b, a) {
            by_from.entry(a).or_default().push((b, s));
        }
    }
    // Earlier paragraphs by (state, paragraph), for references by number.
    let mut by_paragraph: HashMap<(Option<rightstrack_core::StateCode>, &str), Vec<usize>> =
        HashMap::new();
    for (i, it) in items.iter().enumerate() {
        if let Some(p) = it.paragraph {
            by_paragraph
                .entry((it.state, paragraph_key(p)))
                .or_default()
                .push(i);
        }
    }
    let mut links = Vec::new();
    for from in 0..items.len() {
        let reference = references[from].as_ref();
        let mut chosen: Vec<(usize, f32, bool)> = Vec::new();
        if let Some(r) = reference {
            for p in &r.paragraphs {
                for &to in by_paragraph
                    .get(&(items[from].state, paragraph_key(p)))
                    .into_iter()
                    .flatten()
                {
                    if earlier(to, from) && !chosen.iter().any(|c| c.0 == to) {
                        chosen.push((to, space.similarity(from, to), true));
                    }
                }
            }
        }
        if let Some(candidates) = by_from.get_mut(&from) {
            candidates.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            for &(to, s) in candidates.iter().take(params.max_per_item) {
                if !chosen.iter().any(|c| c.0 == to) {
                    chosen.push((to, s, reference.is_some()));
                }
            }
        }
        for (to, score, explicit) in chosen {
            let kind = if score >= params.repeats {
                LinkKind::Repeats
            } else if score >= params.follows_up || explicit {
                LinkKind::FollowsUp
            } else {
                LinkKind::Related
            };
            links.push(Link {
                from,
                to,
                kind,
                score,
                shared_terms: space.shared_terms(&[from, to], params.shared_terms),
                explicit,
            });
        }
    }
    links
}

//! Clustering on small fixtures written for these tests.

use rightstrack_core::{Cycle, LinkKind, StateCode};
use rightstrack_text::cluster::{
    cross_cycle_links, evaluate_against_groups, explicit_reference, near_duplicates, similar_pairs,
    thematic_clusters, Blocking, ClusterItem, LinkParams, Params, Scope, ThematicParams,
};

const TEXTS: [&str; 9] = [
    "Ratify OP-CAT",
    "Consider ratifying the Optional Protocol to the Convention against Torture",
    "Accede to the Optional Protocol to the Convention against Torture and Other Cruel, Inhuman or Degrading Treatment or Punishment",
    "Ratify the Convention on the Rights of Persons with Disabilities",
    "Become a party to the CRPD",
    "Continue its efforts to combat trafficking in persons, especially women and children",
    "Take effective measures to combat trafficking in human beings, in particular women and children",
    "Guarantee the right to education of Roma children",
    "Adopt a national action plan on business and human rights",
];

fn items() -> Vec<ClusterItem<'static>> {
    TEXTS.iter().map(|t| ClusterItem::new(t)).collect()
}

fn state(code: &str) -> Option<StateCode> {
    StateCode::parse(code).ok()
}

fn cycle(n: u8) -> Option<Cycle> {
    Cycle::new(n).ok()
}

#[test]
fn near_duplicates_meet_across_wordings() {
    let groups = near_duplicates(&items(), &Params::default());
    let members: Vec<&Vec<usize>> = groups.iter().map(|g| &g.members).collect();
    assert!(members.contains(&&vec![0, 1, 2]), "{groups:#?}");
    assert!(members.contains(&&vec![3, 4]), "{groups:#?}");
    assert!(members.contains(&&vec![5, 6]), "{groups:#?}");
    assert!(groups
        .iter()
        .all(|g| !g.members.contains(&7) && !g.members.contains(&8)));
    let opcat = groups.iter().find(|g| g.members == vec![0, 1, 2]);
    let terms = opcat.map(|g| g.shared_terms.clone()).unwrap_or_default();
    assert!(terms.iter().any(|t| t.contains("OP-CAT")), "{terms:?}");
    assert!(groups
        .iter()
        .all(|g| g.score > 0.0 && g.score <= 1.0 + 1e-6));
}

#[test]
fn blocking_finds_what_every_pair_finds() {
    let exhaustive = Params {
        blocking: Blocking::Exhaustive,
        ..Params::default()
    };
    let minhash = Params {
        blocking: Blocking::MinHash {
            num_perm: 128,
            threshold: 0.3,
        },
        ..Params::default()
    };
    let all = near_duplicates(&items(), &exhaustive);
    assert_eq!(near_duplicates(&items(), &Params::default()), all);
    // LSH may miss loose pairs, never invent them.
    for g in near_duplicates(&items(), &minhash) {
        assert!(all
            .iter()
            .any(|a| g.members.iter().all(|m| a.members.contains(m))));
    }
}

#[test]
fn pairs_are_sorted_and_explained() {
    let pairs = similar_pairs(&items(), &Params::default());
    assert!(!pairs.is_empty());
    assert!(pairs.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(pairs
        .iter()
        .all(|p| p.a < p.b && !p.shared_terms.is_empty()));
}

#[test]
fn scope_keeps_states_apart() {
    let mut its = items();
    its[0].state = state("FRA");
    its[1].state = state("CHL");
    its[2].state = state("FRA");
    let params = Params {
        scope: Scope::SameState,
        ..Params::default()
    };
    let groups = near_duplicates(&its, &params);
    assert!(
        groups.iter().any(|g| g.members == vec![0, 2]),
        "{groups:#?}"
    );
    assert!(groups.iter().all(|g| !g.members.contains(&1)));
}

#[test]
fn each_state_is_grouped_as_if_alone() {
    // Five states receive the same nine texts; grouped together within each state, every
    // state gets the groups its items get on their own (the same vectors, so the same
    // scores), whichever blocking finds the pairs and however the states share threads.
    let codes = ["FRA", "CHL", "KEN", "NPL", "FJI"];
    let mut all = Vec::new();
    for code in codes {
        all.extend(items().into_iter().map(|mut it| {
            it.state = state(code);
            it
        }));
    }
    for blocking in [
        Blocking::Exhaustive,
        Blocking::InvertedIndex { max_df_share: 0.05 },
    ] {
        let params = Params {
            scope: Scope::SameState,
            blocking,
            ..Params::default()
        };
        let groups = near_duplicates(&all, &params);
        let alone = near_duplicates(&all[..TEXTS.len()], &params);
        assert_eq!(groups.len(), codes.len() * alone.len(), "{blocking:?}");
        for (k, _) in codes.iter().enumerate() {
            let offset = k * TEXTS.len();
            let own: Vec<Vec<usize>> = groups
                .iter()
                .filter(|g| {
                    g.members
                        .iter()
                        .all(|m| (offset..offset + TEXTS.len()).contains(m))
                })
                .map(|g| g.members.iter().map(|m| m - offset).collect())
                .collect();
            let expected: Vec<Vec<usize>> = alone.iter().map(|g| g.members.clone()).collect();
            assert_eq!(own, expected, "state {k}, {blocking:?}");
        }
    }
}

#[test]
fn links_point_back_to_earlier_cycles() {
    let texts = [
        "Ratify the Optional Protocol to the Convention against Torture",
        "Combat domestic violence against women",
        "Ratify OP-CAT",
        "In follow-up to the recommendations contained in paragraph 93.2, adopt a law on domestic violence",
        "Improve prison conditions",
    ];
    let paragraphs = ["93.1", "93.2", "120.1", "120.2", "120.3"];
    let cycles = [1, 1, 2, 2, 2];
    let its: Vec<ClusterItem> = texts
        .iter()
        .zip(paragraphs)
        .zip(cycles)
        .map(|((t, p), c)| ClusterItem {
            state: state("SVN"),
            cycle: cycle(c),
            paragraph: Some(p),
            ..ClusterItem::new(t)
        })
        .collect();
    let links = cross_cycle_links(&its, &LinkParams::default());
    let repeat = links.iter().find(|l| l.from == 2);
    assert_eq!(
        repeat.map(|l| (l.to, l.kind)),
        Some((0, LinkKind::Repeats)),
        "{links:#?}"
    );
    let follow = links.iter().find(|l| l.from == 3);
    assert_eq!(
        follow.map(|l| (l.to, l.kind, l.explicit)),
        Some((1, LinkKind::FollowsUp, true))
    );
    assert!(
        links.iter().all(|l| l.from >= 2 && l.to < 2),
        "links only go back in time"
    );
}

#[test]
fn explicit_references_are_read() {
    let r = explicit_reference(
        "As previously recommended, and in follow-up to the recommendations contained in paragraphs 186.136 and 186.137, ratify the ICCPR",
    );
    assert_eq!(
        r.map(|r| (r.phrase, r.paragraphs)),
        Some((
            "as previously recommended".to_string(),
            vec!["186.136".to_string(), "186.137".to_string()]
        ))
    );
    assert_eq!(explicit_reference("Ratify the ICCPR"), None);
}

#[test]
fn thematic_clusters_have_titles_and_cover_everything() {
    let clusters = thematic_clusters(&items(), &ThematicParams::default());
    let mut covered: Vec<usize> = clusters.iter().flat_map(|c| c.members.clone()).collect();
    covered.sort_unstable();
    assert_eq!(covered, (0..TEXTS.len()).collect::<Vec<_>>());
    assert!(clusters.iter().all(|c| !c.title.is_empty()));
    let trafficking = clusters.iter().find(|c| c.members.contains(&5));
    assert!(trafficking.is_some_and(|c| c.members.contains(&6) && c.title.contains("trafficking")));
}

#[test]
fn evaluation_counts_pairs() {
    let groups = near_duplicates(&items(), &Params::default());
    let truth = [
        Some("p1"),
        Some("p1"),
        Some("p1"),
        Some("p2"),
        Some("p2"),
        Some("p3"),
        Some("p3"),
        None,
        None,
    ];
    let themes: Vec<Vec<&str>> = vec![vec!["A12"]; TEXTS.len()];
    let e = evaluate_against_groups(&truth, &themes, &groups);
    assert_eq!(e.n_items, 9);
    assert_eq!(e.n_true_groups, 3);
    assert_eq!(e.pair_recall, 1.0);
    assert_eq!(e.theme_consistency, 1.0);
    assert_eq!(e.pairwise_precision, 1.0);
}

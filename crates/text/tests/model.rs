//! Training on a toy set, determinism, the model format, and the UPR helpers.

use rightstrack_text::upr::{self, ACTION_CATEGORY};
use rightstrack_text::{
    train, Model, ModelError, TaskKind, TaskSpec, TrainOptions, TrainingExample,
};

const TOPICS: [(&str, &str); 4] = [
    (
        "torture",
        "prevent torture in prisons and detention centres",
    ),
    ("women", "combat violence against women and girls"),
    (
        "education",
        "ensure access to education in schools for all children",
    ),
    (
        "migrants",
        "protect the rights of migrants and asylum seekers",
    ),
];
const OPENINGS: [(&str, &str); 3] = [
    ("Continue to", "2"),
    ("Consider measures to", "3"),
    ("Adopt a law to", "5"),
];

/// Every opening with every topic, in ten sessions; a few texts carry two topics.
fn toy() -> Vec<(TaskSpec, Vec<TrainingExample>)> {
    let (mut issues, mut actions) = (Vec::new(), Vec::new());
    for session in 1..=10u32 {
        for (o, (opening, action)) in OPENINGS.iter().enumerate() {
            for (t, (label, topic)) in TOPICS.iter().enumerate() {
                let other = TOPICS[(t + o + session as usize) % 4];
                let (text, labels) = if session % 3 == 0 && other.0 != *label {
                    (
                        format!("{opening} {topic} and {} ({session})", other.1),
                        vec![*label, other.0],
                    )
                } else {
                    (format!("{opening} {topic} ({session})"), vec![*label])
                };
                issues.push(TrainingExample::new(&text, &labels, session));
                actions.push(TrainingExample::new(&text, &[action], session));
            }
        }
    }
    vec![
        (TaskSpec::new("issues", TaskKind::MultiLabel), issues),
        (upr::action_category_task(), actions),
    ]
}

fn options() -> TrainOptions {
    TrainOptions {
        min_df: 1,
        description: "toy".into(),
        ..TrainOptions::default()
    }
}

#[test]
fn learns_a_toy_set_and_explains_itself() -> Result<(), Box<dyn std::error::Error>> {
    let model = train(&toy(), &options())?;
    let text = "Consider measures to combat violence against women";
    let issues: Vec<String> = model
        .predict("issues", text)
        .into_iter()
        .map(|l| l.0)
        .collect();
    assert_eq!(issues, ["women"]);
    assert_eq!(
        model
            .predict(ACTION_CATEGORY, text)
            .first()
            .map(|l| l.0.as_str()),
        Some("3")
    );
    assert_eq!(
        upr::specificity(&model, "Adopt a law to prevent torture"),
        Some(1.0)
    );
    let why = model.explain("issues", text, "women", 3);
    assert!(
        why.iter()
            .any(|(term, w)| term.contains("women") && *w > 0.0),
        "{why:?}"
    );
    assert!(model.predict("no such task", text).is_empty());
    assert!(model.description().contains("toy"));
    assert!(model
        .evaluation()
        .iter()
        .any(|(name, _)| name == "dev.issues.micro_f1"));
    let all = model.predict_all(text);
    assert_eq!(all.len(), 2);
    Ok(())
}

#[test]
fn same_data_and_seed_give_the_same_bytes() -> Result<(), Box<dyn std::error::Error>> {
    let with_neighbours = TrainOptions {
        neighbours: 3,
        ..options()
    };
    for o in [options(), with_neighbours] {
        let a = train(&toy(), &o)?.to_bytes();
        let b = train(&toy(), &o)?.to_bytes();
        assert_eq!(a, b);
    }
    Ok(())
}

#[test]
fn bytes_round_trip() -> Result<(), Box<dyn std::error::Error>> {
    let o = TrainOptions {
        neighbours: 3,
        ..options()
    };
    let model = train(&toy(), &o)?;
    let bytes = model.to_bytes();
    let back = Model::from_bytes(&bytes)?;
    assert_eq!(back.to_bytes(), bytes);
    let text = "Continue to protect the rights of migrants";
    assert_eq!(back.predict_all(text), model.predict_all(text));
    Ok(())
}

#[test]
fn malformed_bytes_are_an_error_not_a_panic() -> Result<(), Box<dyn std::error::Error>> {
    let bytes = train(&toy(), &options())?.to_bytes();
    assert_eq!(Model::from_bytes(b"").err(), Some(ModelError::NotAModel));
    assert_eq!(
        Model::from_bytes(b"PK\x03\x04 not a model at all").err(),
        Some(ModelError::NotAModel)
    );
    let mut newer = bytes.clone();
    newer[8] = 99;
    assert!(matches!(
        Model::from_bytes(&newer),
        Err(ModelError::Version(99, _))
    ));
    for cut in [16, 17, bytes.len() / 2, bytes.len() - 1] {
        assert!(Model::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    // Damage anywhere in the body, including with a matching checksum.
    for at in (16..bytes.len()).step_by(bytes.len() / 50 + 1) {
        let mut bad = bytes.clone();
        bad[at] ^= 0xff;
        assert!(Model::from_bytes(&bad).is_err());
        let sum = checksum(&bad[16..]);
        bad[12..16].copy_from_slice(&sum.to_le_bytes());
        let _ = Model::from_bytes(&bad);
    }
    Ok(())
}

fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

#[test]
fn bad_training_input_is_refused() {
    let mut tasks = toy();
    tasks[1].1[0].labels.push("4".into());
    assert!(train(&tasks, &options()).is_err());
    let empty = vec![(TaskSpec::new("x", TaskKind::MultiLabel), Vec::new())];
    assert!(train(&empty, &options()).is_err());
}

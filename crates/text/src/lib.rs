//! Text analysis of rightstrack: pure, in-process classification of recommendations.
//!
//! - [`tokenize`] and [`tfidf`] turn a text into a sparse TF-IDF vector;
//! - [`train`] fits a [`Model`]: per task, one-vs-rest linear classifiers blended with a
//!   vote of the nearest labelled recommendations, thresholds tuned on a dev split carved
//!   from the training examples;
//! - [`upr`] holds the UPR Info tasks (issues, action category, specificity);
//! - [`sdg`] matches recommendations to SDG goals and targets without training data;
//! - [`metrics`] scores predictions.
//!
//! Nothing here reads files or the network: a model is (de)serialised from bytes.

pub mod cluster;
mod codec;
mod knn;
pub mod linear;
pub mod metrics;
mod model;
pub mod sdg;
pub mod tfidf;
pub mod tokenize;
mod train;
pub mod upr;

pub use linear::Loss;
pub use model::{train, Model, TaskKind, TaskSpec, TrainOptions, TrainingExample};

/// Why model bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("not a rightstrack model (the file does not start with the model signature)")]
    NotAModel,
    #[error("model format version {0} is not supported by this build (it reads version {1}); retrain or upgrade")]
    Version(u32, u32),
    #[error("the model is truncated ({0}); the file is damaged or incomplete")]
    Truncated(String),
    #[error("the model is damaged: {0}")]
    Invalid(String),
}

/// Why a model could not be trained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrainError {
    #[error("task {0:?} has no training examples")]
    NoExamples(String),
    #[error("two tasks are named {0:?}; task names must be unique")]
    DuplicateTask(String),
    #[error(
        "single-label task {task:?}: example {index} has {count} labels; expected exactly one"
    )]
    NotSingleLabel {
        task: String,
        index: usize,
        count: usize,
    },
    #[error("internal error: the trained model does not read back ({0})")]
    Internal(String),
}

/// SplitMix64: a small, seedable generator, so that training is reproducible everywhere.
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fisher–Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

//! The domain's vocabularies in the interface language: facet names, positions, mechanisms,
//! regional groups, action categories, taxonomies. The English catalogue repeats the labels
//! the core crate gives them (exports and reports use those); a test keeps the two equal.

use rightstrack_core::{
    ActionCategory, ImplementationStatus, Mechanism, Position, RegionalGroup, Taxonomy,
};
use rightstrack_search::{Dimension, Signal};

use super::Ui;

impl Ui {
    pub fn dimension(&self, d: Dimension) -> String {
        self.t(&format!("dimension.{}", d.code())).to_string()
    }

    pub fn position(&self, p: Position) -> String {
        self.t(&format!("position.{}", p.code())).to_string()
    }

    pub fn mechanism(&self, m: &Mechanism) -> String {
        match m {
            Mechanism::SpecialProcedure(mandate) => {
                self.tr("mechanism.special_procedure", "mandate", mandate)
            }
            _ => self.t(&format!("mechanism.{}", m.code())).to_string(),
        }
    }

    pub fn role(&self, r: rightstrack_core::Role) -> String {
        self.t(&format!("role.{}", r.code())).to_string()
    }

    pub fn group(&self, g: RegionalGroup) -> String {
        self.t(&format!("group.{}", g.code())).to_string()
    }

    pub fn taxonomy(&self, t: Taxonomy) -> String {
        self.t(&format!("taxonomy.{}", t.code())).to_string()
    }

    pub fn action_category(&self, a: ActionCategory) -> String {
        let key = format!("action_category.{}", a.number());
        format!("{} – {}", a.number(), self.t(&key))
    }

    /// A facet value's label: the interface's vocabulary translated; data (state names,
    /// tag labels) as the index has it.
    pub fn facet_value(&self, d: Dimension, value: &str, data_label: &str) -> String {
        let translated = match d {
            Dimension::Mechanism => Mechanism::parse(value).ok().map(|m| self.mechanism(&m)),
            Dimension::Position => Position::parse(value).ok().map(|p| self.position(p)),
            Dimension::RecommendingGroup => RegionalGroup::parse(value).ok().map(|g| self.group(g)),
            Dimension::ActionCategory => ActionCategory::parse(value)
                .ok()
                .map(|a| self.action_category(a)),
            Dimension::Cycle => Some(self.tr("value.cycle", "n", value)),
            Dimension::Session => Some(self.tr("value.session", "n", value)),
            Dimension::Published => Some(self.t(&format!("published.{value}")).to_string()),
            Dimension::Status => ImplementationStatus::parse(value)
                .ok()
                .map(|s| self.t(&format!("status.{}", s.code())).to_string()),
            Dimension::Repeats => Some(self.t(&format!("repeats.{value}")).to_string()),
            Dimension::Signal => {
                Signal::parse(value).map(|s| self.t(&format!("signal.{}", s.code())).to_string())
            }
            _ => None,
        };
        translated.unwrap_or_else(|| data_label.to_string())
    }
}

#[cfg(test)]
mod tests {
    use rightstrack_core::Committee;

    use super::*;
    use crate::i18n::language;

    /// English vocabulary in the catalogue is what the core crate calls it.
    #[test]
    fn english_vocabulary_matches_the_core_labels() {
        let en = Ui::default();
        for d in Dimension::ALL {
            assert_eq!(en.dimension(d), d.label());
        }
        for p in Position::ALL {
            assert_eq!(en.position(p), p.label());
        }
        for m in std::iter::once(Mechanism::Upr)
            .chain(Committee::ALL.map(Mechanism::TreatyBody))
            .chain([Mechanism::SpecialProcedure("SR on torture".into())])
        {
            assert_eq!(en.mechanism(&m), m.label());
        }
        for g in RegionalGroup::ALL {
            assert_eq!(en.group(g), g.label());
        }
        for t in Taxonomy::ALL {
            assert_eq!(en.taxonomy(t), t.label());
        }
        for a in (1..=5).filter_map(|n| ActionCategory::new(n).ok()) {
            assert_eq!(
                en.action_category(a),
                format!("{} – {}", a.number(), a.label())
            );
        }
    }

    #[test]
    fn vocabulary_is_translated_and_data_is_not() -> Result<(), String> {
        let fr = Ui::new(language("fr").ok_or("fr")?, "/", "");
        assert_eq!(
            fr.facet_value(Dimension::Position, "noted", "Noted"),
            "Notée"
        );
        assert_eq!(fr.facet_value(Dimension::Cycle, "2", "Cycle 2"), "Cycle 2");
        assert_eq!(
            fr.facet_value(Dimension::Mechanism, "UPR", "x"),
            "Examen périodique universel"
        );
        assert_eq!(
            fr.facet_value(Dimension::State, "SVN", "Slovenia"),
            "Slovenia"
        );
        Ok(())
    }
}

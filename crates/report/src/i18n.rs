//! The words of the reports in each interface language. One struct of phrases per
//! language: a missing translation is a compile error, not an English word in a French
//! report.

use rightstrack_core::{ImplementationStatus, Position, StakeholderKind};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }

    pub fn parse(value: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|l| l.code() == value.trim().to_lowercase())
            .ok_or_else(|| format!("the report language {value:?} is not available: use en or fr"))
    }

    pub fn words(self) -> &'static Words {
        match self {
            Self::En => &EN,
            Self::Fr => &FR,
        }
    }
}

pub struct Words {
    pub mid_term_title: &'static str,
    pub shadow_title: &'static str,
    pub follow_up_title: &'static str,
    pub brief_title: &'static str,
    pub cycle: &'static str,
    pub generated: &'static str,
    pub voice: &'static str,
    pub executive_summary: &'static str,
    pub recommendations: &'static str,
    pub recommendation: &'static str,
    pub theme: &'static str,
    pub not_classified: &'static str,
    pub position: &'static str,
    pub no_position: &'static str,
    pub status: &'static str,
    pub count: &'static str,
    pub total: &'static str,
    pub by_position: &'static str,
    pub by_status: &'static str,
    pub by_theme: &'static str,
    pub recommending_states: &'static str,
    pub responsible: &'static str,
    pub lead: &'static str,
    pub support: &'static str,
    pub actions: &'static str,
    pub indicators: &'static str,
    pub baseline: &'static str,
    pub target: &'static str,
    pub latest: &'static str,
    pub evidence: &'static str,
    pub other_assessments: &'static str,
    pub none: &'static str,
    pub supported_not_acted: &'static str,
    pub supported_not_acted_intro: &'static str,
    pub noted_with_action: &'static str,
    pub noted_with_action_intro: &'static str,
    pub chart_status_desc: &'static str,
    pub chart_position_desc: &'static str,
    pub summary_sentence: &'static str,
    pub methodology: &'static str,
    pub methodology_text: &'static str,
    pub implementation_previous: &'static str,
    pub first_made: &'static str,
    pub repeated_later: &'static str,
    pub achievements: &'static str,
    pub challenges: &'static str,
    pub noted_follow_up: &'static str,
    pub slow_unclear: &'static str,
    pub regressions: &'static str,
    pub repeated_unimplemented: &'static str,
    pub reprisals: &'static str,
    pub reprisals_text: &'static str,
    pub comparison: &'static str,
    pub state: &'static str,
    pub implemented: &'static str,
    pub overdue_actions: &'static str,
    pub paragraph: &'static str,
    pub text: &'static str,
    pub institution: &'static str,
    pub action_count: &'static str,
    pub assessment_by: &'static str,
    pub page: &'static str,
    pub of: &'static str,
    pub data_table: &'static str,
    pub nothing: &'static str,
}

pub const EN: Words = Words {
    mid_term_title: "Voluntary mid-term report",
    shadow_title: "Stakeholder mid-term report",
    follow_up_title: "Follow-up to the previous review: chapter for the national report",
    brief_title: "Follow-up brief for the President of the Human Rights Council",
    cycle: "Cycle",
    generated: "Data as of",
    voice: "Voice",
    executive_summary: "Executive summary",
    recommendations: "Recommendations",
    recommendation: "Recommendation",
    theme: "Theme",
    not_classified: "Not classified",
    position: "Position",
    no_position: "No position",
    status: "Implementation status",
    count: "Count",
    total: "Total",
    by_position: "Recommendations by position",
    by_status: "Recommendations by implementation status",
    by_theme: "Implementation by theme",
    recommending_states: "Recommending states",
    responsible: "Responsible institutions",
    lead: "lead",
    support: "support",
    actions: "Actions taken",
    indicators: "Indicators",
    baseline: "baseline",
    target: "target",
    latest: "latest",
    evidence: "Evidence",
    other_assessments: "Assessments of other stakeholders",
    none: "none recorded",
    supported_not_acted: "Supported recommendations not yet acted on",
    supported_not_acted_intro: "Recommendations the State supported for which no action is recorded and whose status is not started or unknown.",
    noted_with_action: "Noted recommendations on which action was taken",
    noted_with_action_intro: "Recommendations the State noted for which an action or some progress is nevertheless recorded.",
    chart_status_desc: "Bar chart of the number of recommendations in each implementation status.",
    chart_position_desc: "Bar chart of the number of recommendations by the State's position.",
    summary_sentence: "recommendations received in this cycle; fully implemented:",
    methodology: "Methodology and consultation process",
    methodology_text: "This chapter was drafted from the national recommendations tracking database: positions from the Working Group report and its addendum, actions and indicators recorded by the responsible institutions, implementation statuses with their justification and the assessments of independent stakeholders.",
    implementation_previous: "Implementation of recommendations from the previous review",
    first_made: "First made in an earlier cycle",
    repeated_later: "Repeated in a later cycle",
    achievements: "Achievements",
    challenges: "Challenges and constraints",
    noted_follow_up: "Follow-up to noted recommendations",
    slow_unclear: "Slow or unclear implementation",
    regressions: "Regressions",
    repeated_unimplemented: "Repeated and unimplemented recommendations",
    reprisals: "Reprisals and intimidation (aggregate, anonymised)",
    reprisals_text: "Recommendations on reprisals and intimidation against those cooperating with the United Nations, counted without naming any person.",
    comparison: "Comparison across States",
    state: "State",
    implemented: "Fully implemented",
    overdue_actions: "Overdue actions",
    paragraph: "Paragraph",
    text: "Text",
    institution: "Institution",
    action_count: "Actions",
    assessment_by: "Assessment by",
    page: "Page",
    of: "of",
    data_table: "Data table",
    nothing: "None.",
};

pub const FR: Words = Words {
    mid_term_title: "Rapport volontaire à mi-parcours",
    shadow_title: "Rapport à mi-parcours des parties prenantes",
    follow_up_title: "Suite donnée à l’examen précédent : chapitre du rapport national",
    brief_title: "Note de suivi pour le Président du Conseil des droits de l’homme",
    cycle: "Cycle",
    generated: "Données au",
    voice: "Voix",
    executive_summary: "Résumé analytique",
    recommendations: "Recommandations",
    recommendation: "Recommandation",
    theme: "Thème",
    not_classified: "Non classées",
    position: "Position",
    no_position: "Sans position",
    status: "État de mise en œuvre",
    count: "Nombre",
    total: "Total",
    by_position: "Recommandations par position",
    by_status: "Recommandations par état de mise en œuvre",
    by_theme: "Mise en œuvre par thème",
    recommending_states: "États recommandants",
    responsible: "Institutions responsables",
    lead: "chef de file",
    support: "appui",
    actions: "Mesures prises",
    indicators: "Indicateurs",
    baseline: "référence",
    target: "cible",
    latest: "dernière valeur",
    evidence: "Éléments de preuve",
    other_assessments: "Évaluations des autres parties prenantes",
    none: "aucune enregistrée",
    supported_not_acted: "Recommandations acceptées sans mesure à ce jour",
    supported_not_acted_intro: "Recommandations acceptées par l’État pour lesquelles aucune mesure n’est enregistrée et dont l’état est « non commencée » ou inconnu.",
    noted_with_action: "Recommandations notées ayant néanmoins donné lieu à des mesures",
    noted_with_action_intro: "Recommandations dont l’État a pris note mais pour lesquelles une mesure ou un progrès est enregistré.",
    chart_status_desc: "Diagramme en barres du nombre de recommandations par état de mise en œuvre.",
    chart_position_desc: "Diagramme en barres du nombre de recommandations selon la position de l’État.",
    summary_sentence: "recommandations reçues au cours de ce cycle ; pleinement mises en œuvre :",
    methodology: "Méthodologie et processus de consultation",
    methodology_text: "Ce chapitre a été établi à partir de la base nationale de suivi des recommandations : positions tirées du rapport du Groupe de travail et de son additif, mesures et indicateurs saisis par les institutions responsables, états de mise en œuvre justifiés et évaluations des parties prenantes indépendantes.",
    implementation_previous: "Mise en œuvre des recommandations de l’examen précédent",
    first_made: "Formulée lors d’un cycle antérieur",
    repeated_later: "Répétée lors d’un cycle ultérieur",
    achievements: "Réalisations",
    challenges: "Difficultés et contraintes",
    noted_follow_up: "Suite donnée aux recommandations notées",
    slow_unclear: "Mise en œuvre lente ou incertaine",
    regressions: "Régressions",
    repeated_unimplemented: "Recommandations répétées et non mises en œuvre",
    reprisals: "Représailles et intimidation (données agrégées et anonymisées)",
    reprisals_text: "Recommandations relatives aux représailles et à l’intimidation contre les personnes coopérant avec l’Organisation des Nations Unies, comptées sans nommer personne.",
    comparison: "Comparaison entre États",
    state: "État",
    implemented: "Pleinement mises en œuvre",
    overdue_actions: "Mesures en retard",
    paragraph: "Paragraphe",
    text: "Texte",
    institution: "Institution",
    action_count: "Mesures",
    assessment_by: "Évaluation par",
    page: "Page",
    of: "sur",
    data_table: "Tableau de données",
    nothing: "Aucune.",
};

pub fn status_label(lang: Lang, status: ImplementationStatus) -> &'static str {
    use ImplementationStatus::*;
    match (lang, status) {
        (Lang::En, s) => s.label(),
        (Lang::Fr, NotStarted) => "Non commencée",
        (Lang::Fr, InProgress) => "En cours",
        (Lang::Fr, PartiallyImplemented) => "Partiellement mise en œuvre",
        (Lang::Fr, FullyImplemented) => "Pleinement mise en œuvre",
        (Lang::Fr, NoInformation) => "Pas d’information",
    }
}

pub fn position_label(lang: Lang, position: Option<Position>) -> &'static str {
    match (lang, position) {
        (Lang::En, Some(p)) => p.label(),
        (Lang::Fr, Some(Position::Supported)) => "Acceptée",
        (Lang::Fr, Some(Position::SupportedInPart)) => "Acceptée en partie",
        (Lang::Fr, Some(Position::Noted)) => "Notée",
        (lang, None) => lang.words().no_position,
    }
}

pub fn stakeholder_label(lang: Lang, who: StakeholderKind) -> &'static str {
    use StakeholderKind::*;
    match (lang, who) {
        (Lang::En, s) => s.label(),
        (Lang::Fr, Government) => "Gouvernement",
        (Lang::Fr, Nhri) => "Institution nationale des droits de l’homme",
        (Lang::Fr, Cso) => "Société civile",
        (Lang::Fr, UnCountryTeam) => "Équipe de pays des Nations Unies",
        (Lang::Fr, Parliament) => "Parlement",
    }
}

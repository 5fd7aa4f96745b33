//! The demo data set: a fictional state, Demoland, with two UPR cycles, treaty-body
//! recommendations, institutions, actions, statuses and assessments. Written for this
//! project; every name and symbol is made up and marked as such.

use anyhow::Result;
use rightstrack_core::Role;
use rightstrack_core::{
    ActionCategory, ActionKind, ActionProgress, Committee, DocumentKind, ImplementationStatus,
    InstitutionKind, Mechanism, NewRecommendation, Position, RecommendationId, Session,
    SourceDocument, StakeholderKind, StateCode, Taxonomy,
};
use rightstrack_store::accounts::NewUser;
use rightstrack_store::{
    ImportBatch, NewAction, NewAssessment, NewInstitution, PageRequest, RecommendationFilter, Store,
};

pub const STATE: &str = "XDL";

/// (paragraph, text, recommending states, position, action category, UPR Info issues, SDG targets)
type UprLine = (
    &'static str,
    &'static str,
    &'static [&'static str],
    Position,
    u8,
    &'static [&'static str],
    &'static [&'static str],
);

const CYCLE_3: &[UprLine] = &[
    ("120.1", "Ratify the Optional Protocol to the Convention against Torture", &["FRA", "CHL"], Position::Supported, 5, &["Torture and other CID treatment", "International instruments"], &["16.3"]),
    ("120.2", "Consider ratifying the International Convention for the Protection of All Persons from Enforced Disappearance", &["ARG"], Position::Noted, 3, &["Enforced disappearances", "International instruments"], &[]),
    ("120.3", "Establish a national human rights institution in full compliance with the Paris Principles", &["DEU", "GHA", "NZL"], Position::Supported, 5, &["NHRI"], &["16.a"]),
    ("120.4", "Adopt a comprehensive law on domestic violence that criminalises marital rape", &["ESP", "SWE"], Position::Supported, 5, &["Women's rights"], &["5.2"]),
    ("120.5", "Continue its efforts to promote gender equality in employment", &["PHL"], Position::Supported, 2, &["Women's rights", "Labour"], &["5.1", "8.5"]),
    ("120.6", "Raise the minimum age of marriage to 18 years for both girls and boys", &["CAN", "MEX"], Position::Supported, 5, &["Rights of the Child", "Women's rights"], &["5.3"]),
    ("120.7", "Abolish the death penalty and ratify the Second Optional Protocol to the International Covenant on Civil and Political Rights", &["AUS", "PRT"], Position::Noted, 5, &["Death penalty", "International instruments"], &[]),
    ("120.8", "Ensure that all allegations of torture by law enforcement officials are investigated promptly and impartially", &["DNK"], Position::Supported, 4, &["Torture and other CID treatment", "Impunity"], &["16.3"]),
    ("120.9", "Guarantee inclusive education for children with disabilities", &["FIN"], Position::Supported, 4, &["Disabilities", "Right to education"], &["4.5"]),
    ("120.10", "Decriminalise defamation and bring media legislation into line with international standards", &["NLD", "GBR"], Position::Noted, 5, &["Freedom of the press", "Freedom of opinion and expression"], &["16.10"]),
    ("120.11", "Take measures to ensure that human rights defenders can work without fear of reprisals", &["NOR", "IRL"], Position::Supported, 4, &["Human rights defenders"], &["16.10"]),
    ("120.12", "Improve access to safe drinking water in rural areas", &["EGY"], Position::Supported, 4, &["Right to water"], &["6.1"]),
    ("120.13", "Share its best practices in poverty reduction with other developing countries", &["CUB"], Position::Supported, 1, &["Poverty"], &["1.2"]),
];

const CYCLE_4: &[UprLine] = &[
    ("98.1", "Ratify the Optional Protocol to the Convention against Torture without further delay", &["FRA", "URY"], Position::Supported, 5, &["Torture and other CID treatment", "International instruments"], &["16.3"]),
    ("98.2", "Ratify the International Convention for the Protection of All Persons from Enforced Disappearance", &["ARG", "JPN"], Position::Supported, 5, &["Enforced disappearances", "International instruments"], &[]),
    ("98.3", "Ensure that the new national human rights institution is adequately resourced and independent", &["DEU"], Position::Supported, 4, &["NHRI"], &["16.a"]),
    ("98.4", "Effectively implement the law on domestic violence and provide shelters for victims", &["ESP", "ITA"], Position::Supported, 4, &["Women's rights"], &["5.2"]),
    ("98.5", "Raise the minimum age of marriage to 18 without exception", &["CAN"], Position::Supported, 5, &["Rights of the Child", "Women's rights"], &["5.3"]),
    ("98.6", "Establish an official moratorium on executions with a view to abolishing the death penalty", &["BEL", "CHE"], Position::Noted, 5, &["Death penalty"], &[]),
    ("98.7", "Adopt a national action plan on business and human rights", &["COL"], Position::Supported, 5, &["Labour", "National plan of action"], &["8.7"]),
    ("98.8", "Protect journalists and human rights defenders from intimidation and reprisals, and investigate all attacks against them", &["NOR", "CZE"], Position::Supported, 4, &["Human rights defenders", "Freedom of the press"], &["16.10"]),
    ("98.9", "Strengthen measures to combat trafficking in persons, in particular of women and children", &["BLR", "PHL"], Position::Supported, 4, &["Trafficking"], &["16.2", "5.2"]),
    ("98.10", "Continue to improve access to health services in rural areas", &["CHN"], Position::Supported, 2, &["Right to health"], &["3.8"]),
];

/// (committee, paragraph, text, themes)
const TREATY_BODIES: &[(Committee, &str, &str, &[&str])] = &[
    (Committee::Crc, "25(a)", "Amend the Civil Code to set the minimum age of marriage at 18 years for girls and boys, without exception", &["5.3"]),
    (Committee::Crc, "31(b)", "Develop a strategy for inclusive education and train teachers to teach children with disabilities", &["4.5"]),
    (Committee::Cedaw, "21(c)", "Adopt comprehensive legislation criminalising all forms of gender-based violence against women, including marital rape", &["5.2"]),
    (Committee::Cedaw, "33(a)", "Ensure equal pay for work of equal value and reduce the gender pay gap", &["8.5"]),
    (Committee::Cat, "12", "Ratify the Optional Protocol to the Convention and establish a national preventive mechanism", &["16.3"]),
    (Committee::Cat, "18(b)", "Ensure prompt, impartial and effective investigations into all allegations of torture and ill-treatment by the police", &["16.3"]),
];

fn code(c: &str) -> Result<StateCode> {
    Ok(StateCode::parse(c)?)
}

fn upr(session: u16, symbol: &str, lines: &[UprLine]) -> Result<Vec<NewRecommendation>> {
    let state = code(STATE)?;
    lines
        .iter()
        .map(|&(paragraph, text, from, position, action, issues, sdgs)| {
            let mut r = NewRecommendation::new(Mechanism::Upr, state, text).with_session(Session::new(session)?);
            r.document = Some(SourceDocument {
                symbol: symbol.to_string(),
                kind: DocumentKind::WorkingGroupReport,
                date: None,
                title: Some(format!("Report of the Working Group on the UPR: Demoland (fictional), session {session}")),
            });
            r.paragraph = Some(paragraph.to_string());
            r.recommending_states = from.iter().map(|c| code(c)).collect::<Result<_>>()?;
            r.position = Some(position);
            r.position_source = Some(format!("{symbol}/Add.1"));
            r.action_category = Some(ActionCategory::new(action)?);
            r.tags = issues
                .iter()
                .map(|i| (Taxonomy::UprIssue, i.to_string()))
                .chain(sdgs.iter().map(|t| (Taxonomy::SdgTarget, t.to_string())))
                .collect();
            Ok(r)
        })
        .collect()
}

fn treaty_bodies() -> Result<Vec<NewRecommendation>> {
    let state = code(STATE)?;
    TREATY_BODIES
        .iter()
        .map(|&(committee, paragraph, text, sdgs)| {
            let mut r = NewRecommendation::new(Mechanism::TreatyBody(committee), state, text);
            r.cycle = None;
            r.document = Some(SourceDocument {
                symbol: format!("DEMO/{}/C/XDL/CO/1", committee.code()),
                kind: DocumentKind::ConcludingObservations,
                date: None,
                title: Some(format!(
                    "Concluding observations of the {} on Demoland (fictional)",
                    committee.name()
                )),
            });
            r.paragraph = Some(paragraph.to_string());
            r.tags = sdgs
                .iter()
                .map(|t| (Taxonomy::SdgTarget, t.to_string()))
                .collect();
            Ok(r)
        })
        .collect()
}

/// Fills an empty database with the demo data set.
pub async fn seed(store: &dyn Store) -> Result<()> {
    let mut recommendations = upr(31, "DEMO/HRC/38/1", CYCLE_3)?;
    recommendations.extend(upr(45, "DEMO/HRC/54/1", CYCLE_4)?);
    recommendations.extend(treaty_bodies()?);
    store
        .import(ImportBatch {
            actor: "demo".into(),
            source: "demo data set (fictional)".into(),
            recommendations,
            ..Default::default()
        })
        .await?;
    // Clusters and links as `rightstrack cluster` and `rightstrack link` make them, so that
    // the demo's cluster pages and repeats have something to show.
    crate::cluster::cluster_states(store, None).await?;
    crate::cluster::link_states(store, None).await?;
    let all = store
        .recommendations(
            &RecommendationFilter::default(),
            PageRequest {
                limit: 500,
                ..Default::default()
            },
        )
        .await?
        .items;
    let find = |text_start: &str| -> Vec<RecommendationId> {
        all.iter()
            .filter(|r| r.text.starts_with(text_start))
            .map(|r| r.id)
            .collect()
    };

    let institution = |name: &str, kind| NewInstitution {
        name: name.to_string(),
        kind,
        parent_id: None,
        contact_name: None,
        contact_email: Some(format!(
            "focal.point@{}.demo.invalid",
            name.to_lowercase().replace(' ', "-")
        )),
    };
    let justice = store
        .create_institution(
            "demo",
            institution("Ministry of Justice", InstitutionKind::Ministry),
        )
        .await?;
    let social = store
        .create_institution(
            "demo",
            institution(
                "Ministry of Labour and Social Affairs",
                InstitutionKind::Ministry,
            ),
        )
        .await?;
    let education = store
        .create_institution(
            "demo",
            institution("Ministry of Education", InstitutionKind::Ministry),
        )
        .await?;
    let parliament = store
        .create_institution(
            "demo",
            institution(
                "National Assembly Committee on Human Rights",
                InstitutionKind::ParliamentCommittee,
            ),
        )
        .await?;
    let un = store
        .create_institution(
            "demo",
            institution("UN Country Team in Demoland", InstitutionKind::UnEntity),
        )
        .await?;
    let nhri = store
        .create_institution(
            "demo",
            institution("Demoland Ombudsperson", InstitutionKind::Nhri),
        )
        .await?;
    let cso = store
        .create_institution(
            "demo",
            institution("Coalition for Rights in Demoland", InstitutionKind::Cso),
        )
        .await?;

    let date = |y: i32, m: time::Month, d: u8| time::Date::from_calendar_date(y, m, d).ok();
    let mut opcat = find("Ratify the Optional Protocol to the Convention");
    opcat.extend(find(
        "Ratify the Optional Protocol to the Convention and establish",
    ));
    store
        .create_action(
            "demo",
            NewAction {
                title: "Ratify OP-CAT and designate the national preventive mechanism".into(),
                description: "Bill on ratification prepared; the Ombudsperson to serve as national preventive mechanism.".into(),
                kind: ActionKind::Ratification,
                institution_id: Some(justice),
                start_date: date(2024, time::Month::March, 1),
                target_date: date(2026, time::Month::June, 30),
                recommendation_ids: opcat.clone(),
                progress: ActionProgress::Started,
                funding: None,
                legislation: None,
                cluster_ids: Vec::new(),
            },
        )
        .await?;
    let violence: Vec<RecommendationId> = find("Adopt a comprehensive law on domestic violence")
        .into_iter()
        .chain(find("Effectively implement the law on domestic violence"))
        .chain(find("Adopt comprehensive legislation criminalising"))
        .collect();
    store
        .create_action(
            "demo",
            NewAction {
                title: "Domestic Violence Act and shelter network".into(),
                description: "Law adopted in 2023; three regional shelters funded in the 2025 budget.".into(),
                kind: ActionKind::Legislation,
                institution_id: Some(social),
                start_date: date(2022, time::Month::January, 15),
                target_date: date(2025, time::Month::December, 31),
                recommendation_ids: violence.clone(),
                progress: ActionProgress::Started,
                funding: None,
                legislation: None,
                cluster_ids: Vec::new(),
            },
        )
        .await?;
    let inclusive: Vec<RecommendationId> = find("Guarantee inclusive education")
        .into_iter()
        .chain(find("Develop a strategy for inclusive"))
        .collect();
    store
        .create_action(
            "demo",
            NewAction {
                title: "Inclusive education strategy 2025–2030".into(),
                description: "Teacher training modules and accessible school buildings.".into(),
                kind: ActionKind::Policy,
                institution_id: Some(education),
                start_date: date(2025, time::Month::September, 1),
                target_date: date(2030, time::Month::June, 30),
                recommendation_ids: inclusive.clone(),
                progress: ActionProgress::Started,
                funding: None,
                legislation: None,
                cluster_ids: Vec::new(),
            },
        )
        .await?;

    for id in &violence {
        store
            .set_status(
                "demo",
                *id,
                ImplementationStatus::PartiallyImplemented,
                "Law adopted; shelters not yet open in all regions",
            )
            .await?;
    }
    for id in &opcat {
        store
            .set_status(
                "demo",
                *id,
                ImplementationStatus::InProgress,
                "Ratification bill before the Council of Ministers",
            )
            .await?;
    }
    for id in &inclusive {
        store
            .set_status(
                "demo",
                *id,
                ImplementationStatus::NotStarted,
                "Strategy approved, implementation starts next school year",
            )
            .await?;
    }
    if let Some(&first) = violence.first() {
        let assess =
            |stakeholder, institution_id, status, text: &str, author: &str| NewAssessment {
                recommendation_id: first,
                stakeholder,
                institution_id: Some(institution_id),
                status,
                text: text.to_string(),
                evidence: None,
                author: author.to_string(),
            };
        store
            .add_assessment(
                "demo",
                assess(
                    StakeholderKind::Government,
                    social,
                    ImplementationStatus::FullyImplemented,
                    "The Domestic Violence Act entered into force in 2023.",
                    "ministry",
                ),
            )
            .await?;
        store
            .add_assessment("demo", assess(StakeholderKind::Nhri, nhri, ImplementationStatus::InProgress, "The Act does not criminalise marital rape; no shelter operates outside the capital.", "ombudsperson"))
            .await?;
        store
            .add_assessment(
                "demo",
                assess(
                    StakeholderKind::Cso,
                    cso,
                    ImplementationStatus::PartiallyImplemented,
                    "Shelters opened in two of five regions.",
                    "coalition",
                ),
            )
            .await?;
    }
    store
        .publish("demo", &RecommendationFilter::default(), true)
        .await?;
    seed_accounts(
        store,
        &[
            (Role::FocalPoint, Some(justice)),
            (Role::Nhri, Some(nhri)),
            (Role::Cso, Some(cso)),
            (Role::Un, Some(un)),
            (Role::Parliament, Some(parliament)),
        ],
    )
    .await?;
    Ok(())
}

/// Seeds a database that is kept (`rightstrack demo`): only an empty one, so the demo's
/// public passwords never land beside real accounts or records.
pub async fn seed_kept(store: &dyn Store) -> Result<()> {
    let any = store
        .recommendations(
            &RecommendationFilter::default(),
            PageRequest {
                limit: 1,
                ..Default::default()
            },
        )
        .await?;
    anyhow::ensure!(
        any.total == 0 && store.users().await?.is_empty(),
        "this database already holds recommendations or accounts: the demo data set goes only into an empty one"
    );
    seed(store).await
}

/// What `serve --demo` prints about the demo accounts.
pub const ACCOUNTS_HELP: &str = "user name = role (admin, coordinator, focal_point, nhri, cso, un, parliament, viewer, reprisals_officer), password = ROLE-demo-only, e.g. coordinator / coordinator-demo-only";

/// One account per role, for trying each role in the demo. Their passwords are public
/// (README): they exist only in the throwaway demo database.
async fn seed_accounts(store: &dyn Store, institutions: &[(Role, Option<i64>)]) -> Result<()> {
    for role in Role::ALL {
        let institution_id = institutions
            .iter()
            .find(|(r, _)| r == role)
            .and_then(|(_, i)| *i);
        let given = format!("{}-demo-only", role.code());
        let hash =
            tokio::task::spawn_blocking(move || rightstrack_auth::password::hash(&given)).await??;
        store
            .create_user(
                "demo",
                NewUser {
                    username: role.code().to_string(),
                    display_name: format!("{} (demo)", role.label()),
                    password_hash: hash,
                    role: *role,
                    institution_id,
                },
            )
            .await?;
    }
    Ok(())
}

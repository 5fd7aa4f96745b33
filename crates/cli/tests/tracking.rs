//! Implementation tracking from the command line, on SQLite and PostgreSQL, with the
//! Slovenia cycle-3 documents: institutions, bulk assignment by theme, the plan template,
//! a refused plan that writes nothing, statuses and the reminder job. Skipped, with a
//! message, when the shared data is absent.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rightstrack_store::testing::TestDb;
use rightstrack_store::ActionQuery;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn files() -> Option<Vec<String>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let dossier = data.join("country-dossier/slovenia/cycle-3");
    let files: Vec<PathBuf> = vec![
        dossier.join("A_HRC_43_15-working-group-report.pdf"),
        dossier.join("A_HRC_43_15_Add.1-views-on-recommendations.pdf"),
        data.join("ohchr-thematic-lists/slovenia-cycle3-2019.docx"),
    ];
    if files.iter().all(|f| f.is_file()) {
        Some(files.iter().map(|f| f.display().to_string()).collect())
    } else {
        eprintln!(
            "SKIPPED: the Slovenia cycle-3 documents are absent from {}",
            data.display()
        );
        None
    }
}

fn run(database: &str, args: &[&str]) -> Result<Output, std::io::Error> {
    Command::new(env!("CARGO_BIN_EXE_rightstrack"))
        .env_remove("RIGHTSTRACK_SMTP_HOST")
        .arg("--database")
        .arg(database)
        .arg("--json")
        .args(args)
        .output()
}

fn json(output: Output) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    if !output.status.success() {
        return Err(format!("failed: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

async fn story(db: &TestDb, files: &[String], scratch: &Path) -> TestResult {
    let url = db.url.as_str();
    let mut import = vec!["import"];
    import.extend(files.iter().map(String::as_str));
    json(run(url, &import)?)?;
    for (name, kind) in [
        ("Ministry of Justice", "ministry"),
        ("Ministry of Labour", "ministry"),
        ("Government Office for National Minorities", "agency"),
        ("Human Rights Ombudsman", "nhri"),
        ("Committee on Justice", "parliament_committee"),
    ] {
        json(run(
            url,
            &["institution", "add", "--name", name, "--kind", kind],
        )?)?;
    }
    let listed = json(run(url, &["institution", "list"])?)?;
    assert_eq!(listed.as_array().map(Vec::len), Some(5));

    let assigned = json(run(
        url,
        &[
            "assign",
            "--state",
            "SVN",
            "--cycle",
            "3",
            "--theme",
            "B32",
            "--lead",
            "Government Office for National Minorities",
            "--support",
            "ministry of justice",
        ],
    )?)?;
    let store = db.store.as_ref();
    let office = store
        .institutions()
        .await?
        .into_iter()
        .find(|i| i.name.starts_with("Government Office"))
        .ok_or("office")?
        .id;
    let count = assigned["recommendations"].as_u64().unwrap_or_default();
    assert!(count > 0, "{assigned}");
    assert_eq!(store.assignments(Some(office)).await?.len() as u64, count);

    // The whole review gets a supporting institution; leads stay as they were.
    let everything = json(run(
        url,
        &[
            "assign",
            "--state",
            "SVN",
            "--cycle",
            "3",
            "--all",
            "--support",
            "Human Rights Ombudsman",
        ],
    )?)?;
    let review = store
        .recommendations(
            &rightstrack_store::RecommendationFilter {
                cycle: Some(3),
                ..Default::default()
            },
            Default::default(),
        )
        .await?
        .total;
    assert_eq!(everything["recommendations"].as_u64(), Some(review));
    assert_eq!(store.assignments(Some(office)).await?.len() as u64, count);

    // Nothing is written from a plan with a problem, wherever it is.
    let bad = scratch.join("bad-plan.csv");
    std::fs::write(
        &bad,
        "record,recommendations,lead,title,kind\naction,121.1,Ministry of Justice,Train judges,training\naction,121.1,Ministry of Magic,Wands,other\n",
    )?;
    let refused = run(
        url,
        &[
            "plan",
            "import",
            "--state",
            "SVN",
            "--cycle",
            "3",
            &bad.display().to_string(),
        ],
    )?;
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("line 3") && message.contains("Ministry of Magic"),
        "{message}"
    );
    assert!(store.actions(&ActionQuery::default()).await?.is_empty());

    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/tracking-plan.csv");
    let plan = json(run(
        url,
        &[
            "plan",
            "import",
            "--state",
            "SVN",
            "--cycle",
            "3",
            &example.display().to_string(),
        ],
    )?)?;
    assert_eq!(
        (plan["assignments"].as_u64(), plan["actions"].as_u64()),
        (Some(3), Some(2)),
        "{plan}"
    );
    let actions = store.actions(&ActionQuery::default()).await?;
    let law = actions
        .iter()
        .find(|a| a.action.legislation.is_some())
        .ok_or("the law")?;
    assert!(
        law.action.recommendation_ids.len() > 1,
        "linked to every B32 recommendation"
    );

    let added = json(run(
        url,
        &[
            "action",
            "add",
            "--state",
            "SVN",
            "--cycle",
            "3",
            "--title",
            "Train the police",
            "--kind",
            "training",
            "--institution",
            "Ministry of Justice",
            "--recommendations",
            "121.1,121.2",
            "--target",
            "2025-03-31",
            "--budget",
            "12000",
            "--currency",
            "eur",
        ],
    )?)?;
    let id = added["id"].as_i64().ok_or("action id")?;
    let rec = store
        .actions(&ActionQuery {
            ids: Some(vec![id]),
            ..Default::default()
        })
        .await?[0]
        .action
        .recommendation_ids[0];
    json(run(
        url,
        &[
            "status",
            "set",
            "--recommendation",
            &rec.to_string(),
            "--status",
            "in_progress",
            "--justification",
            "Course designed",
        ],
    )?)?;

    // Reminders without SMTP: in-app only, once.
    let justice = store
        .institutions()
        .await?
        .into_iter()
        .find(|i| i.name == "Ministry of Justice")
        .ok_or("justice")?
        .id;
    let focal = db
        .insert_user("focal", "focal_point", Some(justice), None)
        .await?;
    let coordinator = db
        .insert_user("coordinator", "coordinator", None, None)
        .await?;
    let first = json(run(
        url,
        &["jobs", "run-due", "--now", "2025-04-02T08:00:00Z"],
    )?)?;
    let second = json(run(
        url,
        &["jobs", "run-due", "--now", "2025-04-02T08:00:00Z"],
    )?)?;
    assert!(
        first["claimed"].as_u64().unwrap_or_default() >= 1,
        "{first}"
    );
    assert_eq!(
        (second["claimed"].as_u64(), second["emailed"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(first["due"], second["due"]);
    // The police training (target 31 March) is overdue: the coordinators hear of it; the
    // focal point has no report due.
    let inbox = store.notifications(coordinator).await?;
    assert_eq!(Some(inbox.len() as u64), first["claimed"].as_u64());
    assert!(inbox.iter().any(|n| n.subject.contains("Train the police")));
    assert!(store.notifications(focal).await?.is_empty());

    // IMPACT OSS's action import, told apart from the template by its header.
    let impact =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/impact-oss-actions.csv");
    let before = store.actions(&ActionQuery::default()).await?.len();
    let imported = json(run(
        url,
        &[
            "plan",
            "import",
            "--state",
            "SVN",
            "--cycle",
            "3",
            &impact.display().to_string(),
        ],
    )?)?;
    assert_eq!(imported["format"], "IMPACT OSS action import", "{imported}");
    assert_eq!(imported["actions"].as_u64(), Some(3), "{imported}");
    let after = store.actions(&ActionQuery::default()).await?;
    assert_eq!(after.len(), before + 3);
    let roma = after
        .iter()
        .find(|a| {
            a.action
                .description
                .contains("Target date: end of the budget year")
        })
        .ok_or("the imported Roma programme")?;
    assert_eq!(roma.action.recommendation_ids.len(), 2);
    assert!(roma.action.institution_id.is_some());

    // The plan and statuses, for the state and for one institution, as CSV and XLSX.
    let export = |format: &str, institution: Option<&str>, out: &Path| {
        let mut args = vec!["plan", "export", "--state", "SVN", "--format", format];
        if let Some(i) = institution {
            args.extend(["--institution", i]);
        }
        let out = out.display().to_string();
        args.extend(["-o", out.as_str()]);
        run(url, &args)
    };
    let all = scratch.join("plan.csv");
    let done = export("csv", None, &all)?;
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let csv = std::fs::read_to_string(&all)?;
    assert!(csv.starts_with("id,state_under_review,cycle,document,paragraph,recommendation,status"));
    assert!(csv
        .lines()
        .any(|l| l.contains("Roma employment programme") && l.contains("Ministry of Labour")));
    assert!(
        csv.lines().any(|l| l.contains(",in_progress,person,")),
        "the status set above"
    );
    let labour = scratch.join("labour.csv");
    assert!(export("csv", Some("Ministry of Labour"), &labour)?
        .status
        .success());
    let mine = std::fs::read_to_string(&labour)?;
    assert!(mine.lines().count() > 1 && mine.lines().count() < csv.lines().count());
    assert!(
        mine.lines()
            .skip(1)
            .all(|l| l.contains("Ministry of Labour")),
        "{mine}"
    );
    let xlsx = scratch.join("plan.xlsx");
    assert!(export("xlsx", None, &xlsx)?.status.success());
    assert!(std::fs::read(&xlsx)?.starts_with(b"PK"));
    let refused = export("pdf", None, &scratch.join("plan.pdf"))?;
    assert!(!refused.status.success());
    Ok(())
}

#[tokio::test]
async fn tracking_commands_on_sqlite() -> TestResult {
    let Some(files) = files() else { return Ok(()) };
    let scratch = tempfile::tempdir()?;
    let db = TestDb::sqlite().await?;
    story(&db, &files, scratch.path()).await
}

#[tokio::test]
async fn tracking_commands_on_postgres() -> TestResult {
    let Some(files) = files() else { return Ok(()) };
    let scratch = tempfile::tempdir()?;
    let Some(db) = TestDb::postgres().await? else {
        return Ok(());
    };
    let outcome = story(&db, &files, scratch.path()).await;
    db.close().await?;
    outcome
}

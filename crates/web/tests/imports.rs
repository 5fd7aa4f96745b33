//! Import from the browser: a coordinator uploads a file, sees the dry run, confirms, and
//! the records are there — written by the same function `rightstrack import` uses, under
//! the coordinator's name in the audit log.

mod common;

use axum::http::StatusCode;
use common::browser::Browser;
use common::world::{csrf_field, World, PASSWORD};
use rightstrack_store::accounts::AuditFilter;
use rightstrack_store::{PageRequest, RecommendationFilter};

type TestResult = Result<(), common::Error>;

/// A small UPR Info export: two good rows and one without its text (a problem at line 4).
const FIXTURE: &str = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r\n\
Norway,WEOG,,Ratify the Optional Protocol to the Convention on the Rights of Persons with Disabilities,Sweden,WEOG,EU,Accepted,5,International instruments,6\r\n\
Norway,WEOG,,Adopt a national action plan against violence towards women,Chile,GRULAC,,Accepted,4,Women's rights,6\r\n\
Norway,WEOG,,,Chile,GRULAC,,Accepted,4,Women's rights,6\r\n";

const BOUNDARY: &str = "----rightstrackTestBoundary7MA4YWxk";

/// A multipart body as a browser sends the import form: CSRF token first.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// The `value` of the first `<input name="upload">` of a page.
fn upload_key(page: &str) -> Option<String> {
    let at = page.find("name=\"upload\" value=\"")? + "name=\"upload\" value=\"".len();
    Some(page[at..].split('"').next()?.to_string())
}

/// The figure a summary cell shows, by its `data-field`.
fn figure(page: &str, field: &str) -> Option<u64> {
    let marker = format!("data-field=\"{field}\">");
    let at = page.find(&marker)? + marker.len();
    page[at..].split('<').next()?.trim().parse().ok()
}

async fn norway(world: &World) -> Result<Vec<String>, common::Error> {
    let filter = RecommendationFilter {
        state: Some(rightstrack_core::StateCode::parse("NOR")?),
        ..Default::default()
    };
    Ok(world
        .db
        .store
        .recommendations(&filter, PageRequest::default())
        .await?
        .items
        .into_iter()
        .map(|r| r.text)
        .collect())
}

#[tokio::test]
async fn a_coordinator_previews_confirms_and_finds_the_records() -> TestResult {
    let world = World::new().await?;
    let mut browser = Browser::new(&world);
    browser.sign_in("coordinator", PASSWORD, "").await?;

    let (status, page, _) = browser.send("GET", "/import", None).await?;
    assert_eq!(status, StatusCode::OK);
    for id in [
        "import-file",
        "import-format",
        "import-state",
        "import-preview",
    ] {
        assert!(
            page.contains(&format!("id=\"{id}\"")),
            "the form lacks #{id}"
        );
    }
    assert!(page.contains("<label for=\"import-file\">"));
    let csrf = csrf_field(&page).ok_or("no CSRF field on the import page")?;

    // The preview: figures and problems, and nothing written.
    let (content_type, body) = multipart(
        &[("csrf", &csrf), ("format", ""), ("state", "")],
        Some(("upr-norway.csv", FIXTURE.as_bytes())),
    );
    let (status, page, _) = browser
        .send_body("POST", "/import/preview", Some((&content_type, body)))
        .await?;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("upr-info-csv"),
        "the detected format is shown"
    );
    assert_eq!(figure(&page, "rows"), Some(3));
    assert_eq!(figure(&page, "imported"), Some(2));
    assert_eq!(figure(&page, "skipped"), Some(1));
    assert!(page.contains("id=\"import-problems\""));
    assert!(page.contains("line 4"), "the problem names its place");
    assert!(page.contains("Adopt a national action plan against violence towards women"));
    assert!(norway(&world).await?.is_empty(), "a preview writes nothing");

    // The confirmation imports exactly what was previewed.
    let key = upload_key(&page).ok_or("no confirmation form")?;
    let form = format!("csrf={csrf}&upload={key}");
    let (status, page, _) = browser.send("POST", "/import/confirm", Some(&form)).await?;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(figure(&page, "imported"), Some(2));
    let mut texts = norway(&world).await?;
    texts.sort();
    assert_eq!(
        texts,
        [
            "Adopt a national action plan against violence towards women",
            "Ratify the Optional Protocol to the Convention on the Rights of Persons with Disabilities"
        ]
    );
    let (_, found, _) = browser
        .send("GET", "/api/v1/search?q=disabilities", None)
        .await?;
    assert!(
        found.contains("Persons with Disabilities"),
        "searchable at once"
    );
    let audit = world
        .db
        .store
        .audit_log(
            &AuditFilter {
                actor: Some("coordinator".into()),
                action: Some("import".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await?;
    assert_eq!(audit.total, 1, "the confirmed import is in the audit log");
    assert!(audit.items[0].entity_id.as_deref() == Some("upr-norway.csv"));

    // The upload is gone once imported.
    let (status, _, _) = browser.send("POST", "/import/confirm", Some(&form)).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn uploads_need_the_csrf_token_first_and_bad_files_are_refused() -> TestResult {
    let world = World::new().await?;
    let mut browser = Browser::new(&world);
    browser.sign_in("coordinator", PASSWORD, "").await?;
    let (_, page, _) = browser.send("GET", "/import", None).await?;
    let csrf = csrf_field(&page).ok_or("no CSRF field")?;
    let file = Some(("upr-norway.csv", FIXTURE.as_bytes()));

    for fields in [vec![], vec![("csrf", "wrong-token")], vec![("format", "")]] {
        let (content_type, body) = multipart(&fields, file);
        let (status, _, _) = browser
            .send_body("POST", "/import/preview", Some((&content_type, body)))
            .await?;
        assert_eq!(status, StatusCode::FORBIDDEN, "fields {fields:?}");
    }

    // Not a document of any format: refused with the file's name and the reason, and no
    // confirmation offered.
    let (content_type, body) = multipart(
        &[("csrf", &csrf)],
        Some(("notes.pdf", b"%PDF-1.4 this is not really a PDF")),
    );
    let (status, page, _) = browser
        .send_body("POST", "/import/preview", Some((&content_type, body)))
        .await?;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("notes.pdf"));
    assert!(
        upload_key(&page).is_none(),
        "a refused file cannot be confirmed"
    );

    // A state that is not a code, and a format that does not exist: 400 naming the field.
    for (field, value) in [("state", "Norway"), ("format", "word")] {
        let (content_type, body) = multipart(&[("csrf", &csrf), (field, value)], file);
        let (status, page, _) = browser
            .send_body("POST", "/import/preview", Some((&content_type, body)))
            .await?;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains(field), "{page}");
    }

    // No file chosen.
    let (content_type, body) = multipart(&[("csrf", &csrf)], None);
    let (status, _, _) = browser
        .send_body("POST", "/import/preview", Some((&content_type, body)))
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(norway(&world).await?.is_empty());
    Ok(())
}

//! The reports page and its download.

mod common;

use axum::http::{header, StatusCode};
use common::{app, body, request, Error};

#[tokio::test]
async fn reports_page_offers_the_reports_and_downloads_them() -> Result<(), Error> {
    let (app, _db) = app().await?;
    let page = body(request(&app, "/reports", &[]).await?).await?;
    assert!(page.contains("<option value=\"mid-term\">Mid-term report</option>"));
    assert!(page.contains("<option value=\"SVN\">Slovenia</option>"));
    assert!(page.contains("action=\"/reports/download\""));
    let french = body(request(&app, "/reports?lang=fr", &[]).await?).await?;
    assert!(french.contains("Rapport à mi-parcours"));

    // The fixture's recommendations are of sessions 7 (cycle 1) and 20 (cycle 2).
    let response = request(
        &app,
        "/reports/download?kind=mid-term&state=SVN&cycle=1&format=html",
        &[],
    )
    .await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_DISPOSITION],
        "attachment; filename=\"mid-term-SVN-cycle1-government.html\""
    );
    let html = body(response).await?;
    assert!(html.contains("1 recommendations received in this cycle; fully implemented: 0."));
    assert!(
        html.contains("Ratify &#60;script&#62;") || html.contains("Ratify &lt;script&gt;"),
        "escaped"
    );

    let pdf = request(
        &app,
        "/reports/download?kind=hrc-brief&state=SVN&cycle=2&format=pdf&lang=fr",
        &[],
    )
    .await?;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()[header::CONTENT_TYPE], "application/pdf");
    let bytes = axum::body::to_bytes(pdf.into_body(), 1 << 24).await?;
    assert!(bytes.starts_with(b"%PDF-"));

    for (uri, message) in [
        (
            "/reports/download?kind=annual&state=SVN&cycle=1&format=pdf",
            "parameter kind",
        ),
        (
            "/reports/download?kind=mid-term&state=SVN&cycle=1&format=odt",
            "parameter format",
        ),
        (
            "/reports/download?kind=mid-term&state=SVN&cycle=4&format=pdf",
            "no UPR recommendations",
        ),
    ] {
        let response = request(&app, uri, &[]).await?;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri}");
        assert!(body(response).await?.contains(message), "{uri}");
    }
    Ok(())
}

#[tokio::test]
async fn dashboards_show_published_data_to_the_public() -> Result<(), Error> {
    let (app, db) = app().await?;
    // Nothing published: the public sees none of it, a signed-in user all.
    db.store
        .publish(
            "t",
            &rightstrack_store::RecommendationFilter::default(),
            false,
        )
        .await?;
    let user = db
        .insert_user("coordinator", "coordinator", None, None)
        .await?;
    let (token, hashed) = rightstrack_auth::token::generate_api_token()?;
    db.store
        .create_api_token(
            "t",
            rightstrack_store::accounts::NewApiToken {
                user_id: user,
                name: "t".into(),
                token_hash: hashed,
                scope: rightstrack_store::accounts::TokenScope::Read,
                expires_at: None,
            },
        )
        .await?;
    let bearer = format!("Bearer {token}");
    let signed_in = [("authorization", bearer.as_str())];
    let anonymous = request(&app, "/states/SVN/dashboard/internal", &[]).await?;
    assert_eq!(
        anonymous.status(),
        StatusCode::SEE_OTHER,
        "the internal dashboard needs an account"
    );
    let public = body(request(&app, "/states/SVN/dashboard", &[]).await?).await?;
    assert!(public.contains("<h1>Implementation dashboard</h1>"));
    assert!(public.contains("0 recommendations to the State; fully implemented: 0."));
    let internal = body(request(&app, "/states/SVN/dashboard/internal", &signed_in).await?).await?;
    assert!(internal.contains("2 recommendations to the State; fully implemented: 0."));
    assert!(internal.contains("<td>UPR</td><td>2</td>"), "by mechanism");
    assert!(internal.contains("<svg"), "charts");

    db.store
        .publish(
            "t",
            &rightstrack_store::RecommendationFilter::default(),
            true,
        )
        .await?;
    let public = body(request(&app, "/states/SVN/dashboard?lang=fr", &[]).await?).await?;
    assert!(public.contains("Tableau de bord de la mise en œuvre"));
    assert!(public.contains("2 recommandations adressées à l’État"));

    let xlsx = request(&app, "/states/SVN/dashboard?format=xlsx", &[]).await?;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert_eq!(
        xlsx.headers()[header::CONTENT_DISPOSITION],
        "attachment; filename=\"dashboard-SVN.xlsx\""
    );
    Ok(())
}

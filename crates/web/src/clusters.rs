//! Clusters and cross-cycle links: a state's clusters (page and API), a recommendation's
//! links, and people's decisions on what the machine proposed (rename a cluster, take a
//! member in or out, confirm or reject a link), which later runs keep.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use axum::Json;
use rightstrack_core::{
    Cluster, Decision, Recommendation, RecommendationId, RecommendationLink, StateCode,
};
use rightstrack_store::ClusterTarget;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::error::{BadRequest, Forbidden, InternalError, NotFound, Unauthorized};
use crate::extract::{ApiJson, ApiPath};
use crate::i18n::Ui;
use crate::pages::{after_form, render};
use crate::plans::Fields;
use crate::{ApiError, AppState};

/// The recommendations with these ids the viewer may see, by id.
async fn visible_records(
    app: &AppState,
    viewer: &Viewer,
    ids: &[RecommendationId],
) -> Result<HashMap<RecommendationId, Recommendation>, ApiError> {
    Ok(app
        .store
        .recommendations_by_ids(ids)
        .await?
        .into_iter()
        .filter(|r| r.published || viewer.sees_drafts())
        .map(|r| (r.id, r))
        .collect())
}

/// A state's clusters as the viewer may see them: members they may not see are left out,
/// and clusters left with fewer than two members are not shown.
async fn state_clusters(
    app: &AppState,
    viewer: &Viewer,
    code: &str,
) -> Result<
    (
        StateCode,
        Vec<Cluster>,
        HashMap<RecommendationId, Recommendation>,
    ),
    ApiError,
> {
    let state = state_of(code)?;
    let clusters = app.store.clusters(state).await?;
    let ids: Vec<RecommendationId> = clusters.iter().flat_map(|c| c.members.clone()).collect();
    let records = visible_records(app, viewer, &ids).await?;
    let clusters = clusters
        .into_iter()
        .map(|mut c| {
            c.members.retain(|m| records.contains_key(m));
            c
        })
        .filter(|c| c.members.len() >= 2)
        .collect();
    Ok((state, clusters, records))
}

/// A state's clusters with their members' ids.
#[utoipa::path(get, path = "/api/v1/states/{code}/clusters", tag = "clusters",
    params(("code" = String, Path, description = "ISO 3166-1 alpha-3 code of the state under review")),
    responses((status = 200, description = "Clusters: id, kind, title, members", body = [Object]),
        (status = 400, response = BadRequest), (status = 404, response = NotFound), (status = 500, response = InternalError)))]
pub async fn api_clusters(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<Cluster>>, ApiError> {
    Ok(Json(state_clusters(&app, &viewer, &code).await?.1))
}

/// The links from and to a recommendation: the earlier recommendations it repeats, follows
/// up or relates to, and the later ones that repeat it.
#[utoipa::path(get, path = "/api/v1/recommendations/{id}/links", tag = "clusters",
    params(("id" = i64, Path, description = "The recommendation's id")),
    responses((status = 200, description = "Links: from, to, kind, score, decision", body = [Object]),
        (status = 400, response = BadRequest), (status = 404, response = NotFound), (status = 500, response = InternalError)))]
pub async fn api_links(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<RecommendationLink>>, ApiError> {
    Ok(Json(links(&app, &viewer, RecommendationId(id)).await?.0))
}

type LinksWithRecords = (
    Vec<RecommendationLink>,
    HashMap<RecommendationId, Recommendation>,
);

/// A recommendation's links the viewer may see, and the records at their other ends.
pub async fn links(
    app: &AppState,
    viewer: &Viewer,
    id: RecommendationId,
) -> Result<LinksWithRecords, ApiError> {
    crate::records::visible(app, viewer, id).await?;
    links_of_visible(app, viewer, id).await
}

/// As [`links`], for a recommendation the caller has already found visible.
pub async fn links_of_visible(
    app: &AppState,
    viewer: &Viewer,
    id: RecommendationId,
) -> Result<LinksWithRecords, ApiError> {
    let links = app.store.links_of(id).await?;
    let others: Vec<RecommendationId> = links
        .iter()
        .map(|l| if l.from == id { l.to } else { l.from })
        .collect();
    let records = visible_records(app, viewer, &others).await?;
    let links = links
        .into_iter()
        .filter(|l| records.contains_key(&if l.from == id { l.to } else { l.from }))
        .filter(|l| l.decision != Decision::Rejected || viewer.sees_drafts())
        .collect();
    Ok((links, records))
}

#[derive(Deserialize, ToSchema)]
pub struct TitleRequest {
    title: String,
}

/// Rename a cluster; later runs keep the title (coordinators).
#[utoipa::path(post, path = "/api/v1/clusters/{id}/title", tag = "clusters", security(("token" = [])),
    params(("id" = i64, Path, description = "The cluster's id")), request_body = TitleRequest,
    responses((status = 204, description = "Renamed"), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden),
        (status = 404, response = NotFound), (status = 500, response = InternalError)))]
pub async fn rename(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TitleRequest>,
) -> Result<Response, ApiError> {
    let title = cluster_title(&body.title)?;
    app.store
        .rename_cluster(viewer.actor(), id, &title)
        .await
        .map_err(ApiError::from_store_request)?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct MemberRequest {
    recommendation_id: i64,
    /// `true` puts it in the cluster, `false` takes it out; later runs keep the decision.
    member: bool,
}

/// Put a recommendation in a cluster or take it out (coordinators).
#[utoipa::path(post, path = "/api/v1/clusters/{id}/members", tag = "clusters", security(("token" = [])),
    params(("id" = i64, Path, description = "The cluster's id")), request_body = MemberRequest,
    responses((status = 204, description = "Done"), (status = 400, response = BadRequest), (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden), (status = 404, response = NotFound),
        (status = 500, response = InternalError)))]
pub async fn member(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MemberRequest>,
) -> Result<Response, ApiError> {
    app.store
        .set_cluster_member(
            viewer.actor(),
            id,
            RecommendationId(body.recommendation_id),
            body.member,
        )
        .await
        .map_err(ApiError::from_store_request)?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// A title a person gives a cluster, trimmed: 1 to 300 characters.
fn cluster_title(title: &str) -> Result<String, ApiError> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        return Err(ApiError::BadRequest("title: 1 to 300 characters".into()));
    }
    Ok(title.to_string())
}

/// Where moved members go: another cluster, a new one with a title, or out (neither).
fn move_target(into: Option<i64>, new_title: Option<&str>) -> Result<ClusterTarget, ApiError> {
    match (into, new_title) {
        (Some(_), Some(_)) => Err(ApiError::BadRequest(
            "into and new_title: give one of them (or neither, to take the members out)".into(),
        )),
        (Some(id), None) => Ok(ClusterTarget::Existing(id)),
        (None, Some(title)) => Ok(ClusterTarget::New {
            title: cluster_title(title)?,
        }),
        (None, None) => Ok(ClusterTarget::Out),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct MoveRequest {
    /// Members of the cluster to move.
    recommendation_ids: Vec<i64>,
    /// Another cluster of the same state and kind to move them into (all members: a merge).
    into: Option<i64>,
    /// Or a new cluster with this title (a split). Neither: they are taken out.
    new_title: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MoveResponse {
    /// The cluster that received them (the source itself when they were taken out).
    cluster: i64,
}

/// Move members of a cluster into another, into a new one, or out, in one step
/// (coordinators); later runs keep the decision.
#[utoipa::path(post, path = "/api/v1/clusters/{id}/move", tag = "clusters", security(("token" = [])),
    params(("id" = i64, Path, description = "The cluster the members leave")), request_body = MoveRequest,
    responses((status = 200, description = "Moved", body = MoveResponse), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden),
        (status = 404, response = NotFound), (status = 500, response = InternalError)))]
pub async fn move_members(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MoveRequest>,
) -> Result<Json<MoveResponse>, ApiError> {
    let to = move_target(body.into, body.new_title.as_deref())?;
    let ids: Vec<RecommendationId> = body
        .recommendation_ids
        .into_iter()
        .map(RecommendationId)
        .collect();
    let cluster = app
        .store
        .move_cluster_members(viewer.actor(), id, &ids, to)
        .await
        .map_err(ApiError::from_store_request)?;
    Ok(Json(MoveResponse { cluster }))
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionRequest {
    from: i64,
    to: i64,
    /// confirmed, rejected, or proposed to undo a decision.
    decision: String,
}

/// Confirm or reject a proposed link between two recommendations (coordinators).
#[utoipa::path(post, path = "/api/v1/links/decision", tag = "clusters", security(("token" = [])),
    request_body = DecisionRequest,
    responses((status = 204, description = "Decided"), (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized), (status = 403, response = Forbidden),
        (status = 404, response = NotFound), (status = 500, response = InternalError)))]
pub async fn decide(
    State(app): State<AppState>,
    viewer: Viewer,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> Result<Response, ApiError> {
    let decision =
        Decision::parse(&body.decision).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    app.store
        .decide_link(
            viewer.actor(),
            RecommendationId(body.from),
            RecommendationId(body.to),
            decision,
        )
        .await
        .map_err(ApiError::from_store_request)?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

struct ClusterView {
    id: i64,
    kind: String,
    title: String,
    /// (id, paragraph, text)
    members: Vec<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "clusters.html")]
struct ClustersPage {
    ui: Ui,
    code: String,
    name: String,
    clusters: Vec<ClusterView>,
}

pub async fn page(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Response {
    let result = async {
        let (state, clusters, records) = state_clusters(&app, &viewer, &code).await?;
        let clusters = clusters
            .into_iter()
            .map(|c| ClusterView {
                id: c.id,
                kind: ui.t(&format!("cluster_kind.{}", c.kind.code())).to_string(),
                title: c.title,
                members: c
                    .members
                    .iter()
                    .filter_map(|m| records.get(m))
                    .map(|r| {
                        (
                            r.id.0,
                            r.paragraph.clone().unwrap_or_default(),
                            r.text.clone(),
                        )
                    })
                    .collect(),
            })
            .collect();
        Ok::<_, ApiError>(ClustersPage {
            ui: ui.clone(),
            code: state.to_string(),
            name: state.state().name.to_string(),
            clusters,
        })
    }
    .await;
    match result {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

// Forms: the same decisions from the pages.

/// Renames a cluster from its plan page.
pub async fn rename_form(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path((code, id)): Path<(String, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let result = async {
        let state = state_of(&code)?;
        let title = cluster_title(fields.one("title").unwrap_or(""))?;
        app.store
            .rename_cluster(viewer.actor(), id, &title)
            .await
            .map_err(ApiError::from_store_request)?;
        Ok::<_, ApiError>(plan_path(state, id))
    }
    .await;
    after_form(result, ui)
}

/// Moves the members ticked on a cluster's plan page (or all of them, `whole`) into the
/// cluster chosen in `to` (an id), a new one (`new`, with `title`) or out (`out`), then
/// shows the cluster that received them.
pub async fn move_form(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Path((code, id)): Path<(String, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let result = async {
        let state = state_of(&code)?;
        let to = match fields.one("to").unwrap_or("") {
            "out" => ClusterTarget::Out,
            "new" => move_target(None, Some(fields.one("title").unwrap_or("")))?,
            other => ClusterTarget::Existing(other.parse().map_err(|_| {
                ApiError::BadRequest(format!(
                    "to {other:?}: expected a cluster id, \"new\" or \"out\""
                ))
            })?),
        };
        let ids: Vec<RecommendationId> = if fields.one("whole").is_some() {
            app.store
                .clusters(state)
                .await?
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| ApiError::NotFound(format!("cluster {id}")))?
                .members
        } else {
            fields
                .ids("members")?
                .into_iter()
                .map(RecommendationId)
                .collect()
        };
        let into = app
            .store
            .move_cluster_members(viewer.actor(), id, &ids, to)
            .await
            .map_err(ApiError::from_store_request)?;
        Ok::<_, ApiError>(plan_path(state, into))
    }
    .await;
    after_form(result, ui)
}

/// Confirms or rejects a link from a recommendation's page, then shows that page again.
pub async fn decide_form(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let result = async {
        let end = |name: &str| {
            fields
                .id(name)?
                .map(RecommendationId)
                .ok_or_else(|| ApiError::BadRequest(format!("{name}: required")))
        };
        let (from, to, back) = (end("from")?, end("to")?, end("back")?);
        let decision = Decision::parse(fields.one("decision").unwrap_or(""))
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        app.store
            .decide_link(viewer.actor(), from, to, decision)
            .await
            .map_err(ApiError::from_store_request)?;
        Ok::<_, ApiError>(format!("/recommendations/{}#links", back.0))
    }
    .await;
    after_form(result, ui)
}

fn state_of(code: &str) -> Result<StateCode, ApiError> {
    StateCode::parse(code).map_err(|_| ApiError::NotFound(format!("state {code}")))
}

fn plan_path(state: StateCode, id: i64) -> String {
    format!("/states/{state}/clusters/{id}")
}

//! Search: the page people start from, its JSON twin, and downloads of whole result sets.
//!
//! Filters are repeated query parameters named after the facet (`state=SVN&state=HRV`,
//! `position=supported`), so every view is a plain link: bookmarkable, shareable, and
//! usable without JavaScript.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rightstrack_core::{Recommendation, RecommendationId};
use rightstrack_report::export::{ExportFormat, Exporter, Rows};
use rightstrack_search::{Clock, Dimension, FacetCount, SearchQuery, SearchResults, Sort};
use serde::Serialize;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::{Required, Schema};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Viewer;
use crate::error::{BadRequest, InternalError};
use crate::i18n::Ui;
use crate::pages::{render, Row};
use crate::schema::{FacetCountSchema, RecommendationSchema};
use crate::{ApiError, AppState, WebConfig};

const PER_PAGE: usize = 20;
const MAX_PER_PAGE: usize = 500;
const MAX_PAGE: usize = 1_000_000;
/// Facet values shown per facet on the page; the API can ask for more.
const FACET_VALUES: usize = 12;
const MAX_FACET_VALUES: usize = 1000;

/// A search as the URL states it.
#[derive(Debug, Clone, Default)]
pub struct SearchParams {
    pub q: String,
    pub sort: Sort,
    pub page: usize,
    pub per_page: usize,
    pub filters: Vec<(Dimension, String)>,
    pub facet_limit: usize,
}

impl SearchParams {
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let mut p = SearchParams {
            page: 1,
            per_page: PER_PAGE,
            facet_limit: FACET_VALUES,
            ..Default::default()
        };
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let value = value.trim().to_string();
            let number = |what: &str, max: usize| -> Result<usize, ApiError> {
                value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| {
                        ApiError::BadRequest(format!(
                            "parameter {what}: expected a number from 1 to {max}"
                        ))
                    })
            };
            match key.as_ref() {
                "q" => p.q = value,
                "sort" => {
                    p.sort = Sort::parse(&value).map_err(|e| ApiError::BadRequest(e.to_string()))?
                }
                "page" => p.page = number("page", MAX_PAGE)?,
                "per_page" => p.per_page = number("per_page", MAX_PER_PAGE)?,
                "facet_limit" => p.facet_limit = number("facet_limit", MAX_FACET_VALUES)?,
                // Read by the export and by the language negotiation.
                "format" | "lang" => {}
                other => {
                    let dimension = Dimension::parse(other).ok_or_else(|| {
                        let known: Vec<&str> = Dimension::ALL.iter().map(|d| d.code()).collect();
                        ApiError::BadRequest(format!(
                            "unknown parameter {other:?}: use q, sort, page, per_page or a facet ({})",
                            known.join(", ")
                        ))
                    })?;
                    if !value.is_empty() && !p.filters.contains(&(dimension, value.clone())) {
                        p.filters.push((dimension, value));
                    }
                }
            }
        }
        Ok(p)
    }

    /// The index query; for a viewer who may not see drafts, narrowed to published records
    /// whatever the URL says.
    fn query(&self, viewer: &Viewer, config: &WebConfig) -> SearchQuery {
        let mut filters = self.filters.clone();
        if !viewer.sees_drafts() {
            filters.retain(|(d, _)| !hidden_from_public(*d));
            filters.push((Dimension::Published, "yes".to_string()));
        }
        SearchQuery {
            text: self.q.clone(),
            filters,
            sort: self.sort,
            offset: (self.page - 1).saturating_mul(self.per_page),
            limit: self.per_page,
            facet_limit: self.facet_limit,
            clock: Clock {
                now: time::OffsetDateTime::now_utc(),
                offset: config.time_zone_offset,
                stalled_months: config.stalled_months,
            },
        }
    }

    /// The query string of this search, changed by `edit`.
    fn link(&self, edit: impl FnOnce(&mut SearchParams)) -> String {
        let mut next = self.clone();
        edit(&mut next);
        let mut out = form_urlencoded::Serializer::new(String::new());
        if !next.q.is_empty() {
            out.append_pair("q", &next.q);
        }
        for (d, v) in &next.filters {
            out.append_pair(d.code(), v);
        }
        if next.sort != Sort::Relevance {
            out.append_pair("sort", next.sort.code());
        }
        if next.page > 1 {
            out.append_pair("page", &next.page.to_string());
        }
        out.finish()
    }
}

/// The parameters [`SearchParams::parse`] reads, as the OpenAPI document describes them;
/// written beside the parser, and the facets taken from [`Dimension::ALL`], so that the two
/// cannot drift apart.
impl IntoParams for SearchParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let integer = |min: usize, max: usize, default: usize| {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(min))
                .maximum(Some(max))
                .default(Some(default.into()))
        };
        let param = |name: &str, description: &str, schema: Schema| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(description))
                .schema(Some(schema))
                .build()
        };
        let mut params = vec![
            param(
                "q",
                "Words, all of which must match; \"exact phrases\"; prefixes (`tortur*`); `-excluded` words.",
                ObjectBuilder::new().schema_type(Type::String).into(),
            ),
            param(
                "sort",
                "Result order. `relevance` without words: newest session first. `paragraph`: \
                 document symbol, then paragraph, numbers compared as numbers (93.2 before 93.10).",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(Sort::ALL.map(Sort::code)))
                    .default(Some(Sort::default().code().into()))
                    .into(),
            ),
            param("page", "The page, from 1.", integer(1, MAX_PAGE, 1).into()),
            param(
                "per_page",
                "Recommendations per page.",
                integer(1, MAX_PER_PAGE, PER_PAGE).into(),
            ),
            param(
                "facet_limit",
                "Values counted per facet.",
                integer(1, MAX_FACET_VALUES, FACET_VALUES).into(),
            ),
        ];
        params.extend(Dimension::ALL.map(|d| {
            let values = ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String));
            param(
                d.code(),
                &format!(
                    "Facet filter: {label}. Repeat to widen (`{code}=a&{code}=b` is a or b); \
                     different facets narrow. Values are those the response's facets list.",
                    label = d.label(),
                    code = d.code(),
                ),
                values.into(),
            )
        }));
        params
    }
}

async fn run(
    app: &AppState,
    viewer: &Viewer,
    params: &SearchParams,
) -> Result<(SearchResults, Vec<Recommendation>), ApiError> {
    let index = app.search.clone();
    let query = params.query(viewer, &app.config);
    let results = tokio::task::spawn_blocking(move || index.search(&query))
        .await
        .map_err(|e| ApiError::Failed(format!("search stopped: {e}")))??;
    let mut results = results;
    if !viewer.sees_drafts() {
        results.facets.retain(|f| !hidden_from_public(f.dimension));
    }
    let ids: Vec<RecommendationId> = results.hits.iter().map(|h| h.id).collect();
    let records = app.store.recommendations_by_ids(&ids).await?;
    Ok((results, records))
}

/// Facets a viewer who sees published records only neither gets nor may filter by:
/// `published` would only say "yes"; `signal` is derived from assessments and regressions
/// that are not public, so its counts would reveal them.
fn hidden_from_public(dimension: Dimension) -> bool {
    matches!(dimension, Dimension::Published | Dimension::Signal)
}

/// One page of search results, with the counts of every facet's values.
#[derive(Serialize, ToSchema)]
pub struct SearchResponse {
    /// Recommendations matching, on every page.
    total: usize,
    page: usize,
    per_page: usize,
    #[schema(value_type = Vec<RecommendationSchema>)]
    items: Vec<Recommendation>,
    #[schema(value_type = Vec<FacetCountSchema>)]
    facets: Vec<FacetCount>,
}

/// Search recommendations by words and facets.
///
/// `GET /api/v1/search?q=torture&position=supported&group=WEOG&page=1&per_page=20`
#[utoipa::path(get, path = "/api/v1/search", tag = "recommendations",
    params(SearchParams),
    responses(
        (status = 200, description = "Results and facet counts", body = SearchResponse),
        (status = 400, response = BadRequest),
        (status = 500, response = InternalError),
    ))]
pub async fn api(
    State(app): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    let params = SearchParams::parse(raw.as_deref())?;
    let (results, items) = run(&app, &viewer, &params).await?;
    Ok(Json(SearchResponse {
        total: results.total,
        page: params.page,
        per_page: params.per_page,
        items,
        facets: results.facets,
    }))
}

struct FacetView {
    label: String,
    values: Vec<FacetLink>,
}

struct FacetLink {
    label: String,
    count: u64,
    href: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    ui: Ui,
    q: String,
    sort: &'static str,
    total: usize,
    page: usize,
    pages: usize,
    rows: Vec<Row>,
    facets: Vec<FacetView>,
    chips: Vec<FacetLink>,
    prev: Option<String>,
    next: Option<String>,
    hidden: Vec<(&'static str, String)>,
    csv: String,
    xlsx: String,
    json: String,
}

pub async fn page(
    State(app): State<AppState>,
    ui: Ui,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Response {
    match search_page(&app, &ui, &viewer, raw.as_deref()).await {
        Ok(page) => render(&page),
        Err(e) => e.page(ui),
    }
}

async fn search_page(
    app: &AppState,
    ui: &Ui,
    viewer: &Viewer,
    raw: Option<&str>,
) -> Result<SearchPage, ApiError> {
    let params = SearchParams::parse(raw)?;
    let (results, records) = run(app, viewer, &params).await?;
    let pages = results.total.div_ceil(params.per_page).max(1);
    let toggle = |d: Dimension, v: &str, selected: bool| {
        params.link(|p| {
            p.page = 1;
            if selected {
                p.filters.retain(|(fd, fv)| !(*fd == d && fv == v));
            } else {
                p.filters.push((d, v.to_string()));
            }
        })
    };
    let facets = results
        .facets
        .iter()
        .filter(|f| !f.values.is_empty())
        .map(|f| FacetView {
            label: ui.dimension(f.dimension),
            values: f
                .values
                .iter()
                .map(|v| FacetLink {
                    label: ui.facet_value(f.dimension, &v.value, &v.label),
                    count: v.count,
                    href: toggle(f.dimension, &v.value, v.selected),
                    selected: v.selected,
                })
                .collect(),
        })
        .collect();
    let chips = params
        .filters
        .iter()
        .map(|(d, v)| {
            let data_label = app.search.label(*d, v).unwrap_or_else(|| v.clone());
            FacetLink {
                label: ui.tr2(
                    "search.chip",
                    "facet",
                    ui.dimension(*d),
                    "value",
                    ui.facet_value(*d, v, &data_label),
                ),
                count: 0,
                href: toggle(*d, v, true),
                selected: true,
            }
        })
        .collect();
    let download = |format: &str| {
        format!(
            "/recommendations/export?format={format}&{}",
            params.link(|p| p.page = 1)
        )
    };
    Ok(SearchPage {
        ui: ui.clone(),
        q: params.q.clone(),
        sort: params.sort.code(),
        total: results.total,
        page: params.page,
        pages,
        rows: records.iter().map(|r| Row::new(r, ui)).collect(),
        facets,
        chips,
        prev: (params.page > 1).then(|| params.link(|p| p.page -= 1)),
        next: (params.page < pages).then(|| params.link(|p| p.page += 1)),
        hidden: params
            .filters
            .iter()
            .map(|(d, v)| (d.code(), v.clone()))
            .collect(),
        csv: download("csv"),
        xlsx: download("xlsx"),
        json: download("json"),
    })
}

/// `GET /recommendations/export?format=csv|json&…`: every recommendation of the result
/// set, not one page of it.
pub async fn export(
    State(app): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let format = form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| "csv".into());
    let format = ExportFormat::parse(&format).map_err(ApiError::BadRequest)?;
    let params = SearchParams::parse(raw.as_deref())?;
    let (index, query) = (app.search.clone(), params.query(&viewer, &app.config));
    let hits = tokio::task::spawn_blocking(move || index.all_hits(&query))
        .await
        .map_err(|e| ApiError::Failed(e.to_string()))??;
    let mut body = Vec::new();
    let mut exporter =
        Exporter::new(format, &mut body, true).map_err(|e| ApiError::Failed(e.to_string()))?;
    let mut rows = Rows::new(app.store.as_ref());
    for chunk in hits.chunks(2000) {
        let ids: Vec<RecommendationId> = chunk.iter().map(|h| h.id).collect();
        for rec in app.store.recommendations_by_ids(&ids).await? {
            let row = rows.row(&rec).await?;
            exporter
                .write_row(&row)
                .map_err(|e| ApiError::Failed(e.to_string()))?;
        }
    }
    exporter
        .finish()
        .map_err(|e| ApiError::Failed(e.to_string()))?;
    app.store
        .record_audit(
            viewer.actor(),
            "export",
            "recommendations",
            None,
            serde_json::json!({"query": raw.as_deref().unwrap_or(""), "rows": hits.len(), "ip": viewer.ip}),
        )
        .await?;
    let (mime, ext) = format.media();
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"recommendations.{ext}\""),
            ),
        ],
        body,
    )
        .into_response())
}

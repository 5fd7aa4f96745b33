//! Which language a request gets: `?lang=xx` (remembered in a `lang` cookie so that it
//! sticks), else the cookie, else the browser's `Accept-Language`, else English.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, Request};
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE, SET_COOKIE, VARY};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::Response;

use super::{english, language, Language, Ui};

/// The query parameter and the cookie.
const NAME: &str = "lang";
/// A year: a choice of language outlives a session.
const COOKIE_MAX_AGE: u32 = 365 * 24 * 60 * 60;

/// Middleware: resolves the request's [`Ui`] for the handlers, remembers a language chosen
/// with `?lang=` in a cookie, and tells caches that pages vary with the language headers.
pub async fn negotiate(mut request: Request, next: Next) -> Response {
    let chosen = asked(request.uri());
    let ui = resolve(request.uri(), request.headers(), chosen);
    request.extensions_mut().insert(ui);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.append(VARY, HeaderValue::from_static("accept-language, cookie"));
    if let Some(language) = chosen {
        let cookie = format!(
            "{NAME}={}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax",
            language.code
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.append(SET_COOKIE, value);
        }
    }
    response
}

/// Handlers take the [`Ui`] the middleware resolved; without the middleware (a router
/// built without it), they resolve it themselves.
impl<S: Send + Sync> FromRequestParts<S> for Ui {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ui = match parts.extensions.get::<Ui>() {
            Some(ui) => ui.clone(),
            None => resolve(&parts.uri, &parts.headers, asked(&parts.uri)),
        };
        // The viewer is known by now (authentication runs before handlers): the page's
        // navigation and forms need it.
        Ok(match parts.extensions.get::<crate::auth::Viewer>() {
            Some(viewer) => ui.for_viewer(viewer),
            None => ui,
        })
    }
}

fn resolve(uri: &Uri, headers: &HeaderMap, asked: Option<&'static Language>) -> Ui {
    let language = asked
        .or_else(|| cookie(headers))
        .or_else(|| accepted(headers))
        .unwrap_or_else(english);
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs(uri).filter(|(k, _)| k != NAME))
        .finish();
    // One leading slash: a path such as `//host` must not become a link to another site.
    let path = format!("/{}", uri.path().trim_start_matches('/'));
    Ui::new(language, &path, &query)
}

fn pairs(uri: &Uri) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
}

/// `?lang=xx`, if it names a language offered; an unknown one is ignored.
fn asked(uri: &Uri) -> Option<&'static Language> {
    pairs(uri)
        .filter(|(k, _)| k == NAME)
        .find_map(|(_, v)| language(&v))
}

fn cookie(headers: &HeaderMap) -> Option<&'static Language> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .filter(|(name, _)| *name == NAME)
        .find_map(|(_, value)| language(value))
}

/// The offered language the browser prefers most (`fr-CH, fr;q=0.9, en;q=0.8`).
fn accepted(headers: &HeaderMap) -> Option<&'static Language> {
    let header = headers.get(ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut ranges: Vec<(f32, &str)> = header
        .split(',')
        .filter_map(|range| {
            let mut parts = range.split(';');
            let tag = parts.next()?.trim();
            let q = match parts.find_map(|p| p.trim().strip_prefix("q=")) {
                Some(q) => q.trim().parse::<f32>().ok()?,
                None => 1.0,
            };
            (q > 0.0).then_some((q, tag))
        })
        .collect();
    // Stable: equal weights keep the header's order.
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranges.into_iter().find_map(|(_, tag)| language(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(
        uri: &str,
        headers: &[(&str, &str)],
    ) -> Result<&'static str, Box<dyn std::error::Error>> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes())?,
                HeaderValue::from_str(value)?,
            );
        }
        let uri: Uri = uri.parse()?;
        Ok(resolve(&uri, &map, asked(&uri)).lang())
    }

    #[test]
    fn query_beats_cookie_beats_accept_language() -> Result<(), Box<dyn std::error::Error>> {
        let cookie = ("cookie", "theme=dark; lang=es");
        let accept = ("accept-language", "fr-CH, fr;q=0.9, en;q=0.8");
        assert_eq!(pick("/?lang=ar", &[cookie, accept])?, "ar");
        assert_eq!(pick("/?lang=xx", &[cookie, accept])?, "es");
        assert_eq!(pick("/", &[accept])?, "fr");
        assert_eq!(
            pick("/", &[("accept-language", "de, es;q=0.5, fr;q=0.7")])?,
            "fr"
        );
        assert_eq!(pick("/", &[("accept-language", "fr;q=0, *")])?, "en");
        assert_eq!(pick("/?lang=zz", &[])?, "en");
        Ok(())
    }

    #[test]
    fn the_switcher_drops_lang_and_stays_on_this_site() -> Result<(), Box<dyn std::error::Error>> {
        let uri: Uri = "//evil.example/x?q=a+b&lang=fr".parse()?;
        let ui = resolve(&uri, &HeaderMap::new(), None);
        assert_eq!(ui.languages()[2].href, "/evil.example/x?q=a+b&lang=es");
        Ok(())
    }
}

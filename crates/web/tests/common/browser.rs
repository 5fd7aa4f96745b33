//! A browser that keeps its cookies: signs in through the form and sends forms (and
//! uploads) with its session and CSRF token, as a person's browser would.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use super::body;
use super::world::{csrf_field, set_cookie, World};
use super::Error;

const FORM: &str = "application/x-www-form-urlencoded";

pub fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A browser that keeps its cookies.
pub struct Browser<'a> {
    world: &'a World,
    cookies: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    pub fn new(world: &'a World) -> Self {
        Self {
            world,
            cookies: Vec::new(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.cookies.retain(|(n, _)| n != name);
        self.cookies.push((name.into(), value.into()));
    }

    pub async fn send(
        &mut self,
        method: &str,
        uri: &str,
        form: Option<&str>,
    ) -> Result<(StatusCode, String, Option<String>), Error> {
        let body = form.map(|f| (FORM, f.as_bytes().to_vec()));
        self.send_body(method, uri, body).await
    }

    /// Sends a body of any type (a multipart upload) with the browser's cookies.
    pub async fn send_body(
        &mut self,
        method: &str,
        uri: &str,
        content: Option<(&str, Vec<u8>)>,
    ) -> Result<(StatusCode, String, Option<String>), Error> {
        let mut request = Request::builder().method(method).uri(uri);
        if !self.cookies.is_empty() {
            let header: Vec<String> = self
                .cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            request = request.header("cookie", header.join("; "));
        }
        let bytes = match content {
            Some((content_type, bytes)) => {
                request = request.header("content-type", content_type);
                bytes
            }
            None => Vec::new(),
        };
        let response = self.world.send(request.body(Body::from(bytes))?).await?;
        for name in ["rt_session", "rt_csrf"] {
            if let Some(v) = set_cookie(&response, name) {
                self.set(name, &v);
            }
        }
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        let status = response.status();
        Ok((status, body(response).await?, location))
    }

    /// Opens the sign-in form and submits it.
    pub async fn sign_in(
        &mut self,
        user: &str,
        password: &str,
        code: &str,
    ) -> Result<(StatusCode, String, Option<String>), Error> {
        // Signed in already, the sign-in page sends one on; the account page has the token.
        let (status, mut page, _) = self.send("GET", "/sign-in", None).await?;
        if status == StatusCode::SEE_OTHER {
            page = self.send("GET", "/account", None).await?.1;
        }
        let csrf = csrf_field(&page).ok_or("no CSRF field on the sign-in page")?;
        let form = format!(
            "csrf={csrf}&username={user}&password={}&code={code}&next=%2Faccount",
            encode(password)
        );
        self.send("POST", "/sign-in", Some(&form)).await
    }
}

//! The interface language.
//!
//! Messages live in one JSON catalogue per language under `crates/web/i18n/`, keyed by
//! message id, compiled into the binary and parsed once. English is complete; any other
//! language falls back to English key by key, so a partial translation still renders.
//! Templates get a [`Ui`] and ask it for messages (`ui.t("nav.recommendations")`); there is
//! one template per page, never one per language. Data (recommendation texts, state names,
//! tag labels) is shown as stored; only the interface's own words and vocabularies go
//! through the catalogue (see [`vocabulary`]).

mod negotiate;
mod vocabulary;

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::LazyLock;

pub use negotiate::negotiate;

/// A language the interface can be shown in.
#[derive(Debug)]
pub struct Language {
    /// ISO 639-1 code, as in `?lang=`, the `lang` cookie and `<html lang>`.
    pub code: &'static str,
    /// The language's name in itself, for the switcher.
    pub name: &'static str,
    /// Written right to left: the page gets `dir="rtl"`.
    pub rtl: bool,
    catalogue: &'static str,
}

/// The languages offered, English first (the default and the fallback). To add one of the
/// other UN languages (Chinese, Russian), add its catalogue file, a line here and, where its
/// plural rules differ from the ones in [`plural`], a rule there.
pub static LANGUAGES: [Language; 4] = [
    Language {
        code: "en",
        name: "English",
        rtl: false,
        catalogue: include_str!("../../i18n/en.json"),
    },
    Language {
        code: "fr",
        name: "Français",
        rtl: false,
        catalogue: include_str!("../../i18n/fr.json"),
    },
    Language {
        code: "es",
        name: "Español",
        rtl: false,
        catalogue: include_str!("../../i18n/es.json"),
    },
    Language {
        code: "ar",
        name: "العربية",
        rtl: true,
        catalogue: include_str!("../../i18n/ar.json"),
    },
];

fn english() -> &'static Language {
    &LANGUAGES[0]
}

/// The language of a BCP 47 tag (`fr`, `fr-CA`, `FR`), if offered.
pub fn language(tag: &str) -> Option<&'static Language> {
    let primary = tag.trim().split(['-', '_']).next()?;
    LANGUAGES
        .iter()
        .find(|l| l.code.eq_ignore_ascii_case(primary))
}

type Catalogue = HashMap<String, String>;

/// Every catalogue, parsed on first use. A catalogue that does not parse is logged and left
/// empty, so the interface falls back to English; a test keeps that from shipping.
static CATALOGUES: LazyLock<HashMap<&'static str, Catalogue>> = LazyLock::new(|| {
    LANGUAGES
        .iter()
        .map(|l| {
            let messages = parse(l).unwrap_or_else(|e| {
                tracing::error!(language = l.code, error = %e, "message catalogue does not parse");
                Catalogue::new()
            });
            (l.code, messages)
        })
        .collect()
});

fn parse(language: &Language) -> Result<Catalogue, serde_json::Error> {
    serde_json::from_str(language.catalogue)
}

fn message(language: &Language, key: &str) -> Option<&'static str> {
    CATALOGUES
        .get(language.code)
        .and_then(|c| c.get(key))
        .map(String::as_str)
}

/// CLDR plural categories, the suffixes of counted messages (`count.recommendations.one`).
fn plural(language: &Language, n: u64) -> &'static str {
    let (n10, n100) = (n % 10, n % 100);
    match language.code {
        "fr" => {
            if n <= 1 {
                "one"
            } else {
                "other"
            }
        }
        "ar" => match n {
            0 => "zero",
            1 => "one",
            2 => "two",
            _ if (3..=10).contains(&n100) => "few",
            _ if (11..=99).contains(&n100) => "many",
            _ => "other",
        },
        "ru" => match () {
            _ if n10 == 1 && n100 != 11 => "one",
            _ if (2..=4).contains(&n10) && !(12..=14).contains(&n100) => "few",
            _ => "many",
        },
        "zh" => "other",
        _ => {
            if n == 1 {
                "one"
            } else {
                "other"
            }
        }
    }
}

/// Replaces `{name}` in a message.
fn fill(message: &str, name: &str, value: &dyn Display) -> String {
    message.replace(&format!("{{{name}}}"), &value.to_string())
}

/// A number a counted message can take (templates pass references).
pub trait Count: Display {
    fn count(&self) -> u64;
}

impl Count for u64 {
    fn count(&self) -> u64 {
        *self
    }
}

impl Count for usize {
    fn count(&self) -> u64 {
        u64::try_from(*self).unwrap_or(u64::MAX)
    }
}

impl<T: Count + ?Sized> Count for &T {
    fn count(&self) -> u64 {
        (**self).count()
    }
}

/// The interface language of one request, and what templates need to speak it.
#[derive(Debug, Clone)]
pub struct Ui {
    language: &'static Language,
    /// This page's path and its query without `lang`, for the switcher's links.
    path: String,
    query: String,
    /// The signed-in user's name, for the navigation.
    user_name: Option<String>,
    /// What the navigation offers this viewer.
    permissions: Vec<rightstrack_core::Permission>,
    /// The viewer's CSRF token, which every form carries.
    csrf: String,
}

/// One entry of the language switcher.
pub struct LanguageLink {
    pub code: &'static str,
    pub name: &'static str,
    pub dir: &'static str,
    pub href: String,
    pub current: bool,
}

impl Default for Ui {
    fn default() -> Self {
        Self::new(english(), "/", "")
    }
}

impl Ui {
    pub fn new(language: &'static Language, path: &str, query: &str) -> Self {
        Self {
            language,
            path: path.to_string(),
            query: query.to_string(),
            user_name: None,
            permissions: vec![rightstrack_core::Permission::ReadPublished],
            csrf: String::new(),
        }
    }

    /// This interface as `viewer` sees it.
    pub fn for_viewer(mut self, viewer: &crate::auth::Viewer) -> Self {
        self.user_name = viewer.user.as_ref().map(|u| u.display_name.clone());
        self.permissions = rightstrack_core::Permission::ALL
            .iter()
            .copied()
            .filter(|p| viewer.allows(*p))
            .collect();
        self.csrf = viewer.csrf.clone();
        self
    }

    pub fn user_name(&self) -> &str {
        self.user_name.as_deref().unwrap_or("")
    }

    pub fn signed_in(&self) -> bool {
        self.user_name.is_some()
    }

    /// Whether to offer what needs `permission` (by its snake_case name). Only a hint for
    /// the page: routes enforce permissions themselves.
    pub fn can(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p.code() == permission)
    }

    /// This interface with a CSRF token of its own (the sign-in form's).
    pub fn with_csrf(mut self, csrf: &str) -> Self {
        self.csrf = csrf.to_string();
        self
    }

    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// This page's path, for `next` after signing in.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// For `<html lang>`.
    pub fn lang(&self) -> &'static str {
        self.language.code
    }

    /// For `<html dir>`.
    pub fn dir(&self) -> &'static str {
        direction(self.language)
    }

    /// The message `key`, in English if this language lacks it; the key itself if English
    /// lacks it too (a test keeps templates from using such keys).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        message(self.language, key)
            .or_else(|| message(english(), key))
            .unwrap_or(key)
    }

    /// The message `key` with `{name}` replaced by `value`.
    pub fn tr(&self, key: &str, name: &str, value: impl Display) -> String {
        fill(self.t(key), name, &value)
    }

    /// The message `key` with two placeholders replaced.
    pub fn tr2(
        &self,
        key: &str,
        name: &str,
        value: impl Display,
        name2: &str,
        value2: impl Display,
    ) -> String {
        fill(&self.tr(key, name, value), name2, &value2)
    }

    /// The counted message `key` in the plural form `n` takes in this language, `{n}`
    /// replaced: `key.one`, `key.other`, … (`key.other` when the form is missing).
    pub fn tn(&self, key: &str, n: impl Count) -> String {
        let count = n.count();
        let form = |language: &Language| {
            message(language, &format!("{key}.{}", plural(language, count)))
                .or_else(|| message(language, &format!("{key}.other")))
        };
        let text = form(self.language)
            .or_else(|| form(english()))
            .unwrap_or(key);
        fill(text, "n", &n)
    }

    /// The switcher: every language, each linking to this page in it.
    pub fn languages(&self) -> Vec<LanguageLink> {
        let separator = if self.query.is_empty() { "" } else { "&" };
        LANGUAGES
            .iter()
            .map(|l| LanguageLink {
                code: l.code,
                name: l.name,
                dir: direction(l),
                href: format!("{}?{}{separator}lang={}", self.path, self.query, l.code),
                current: std::ptr::eq(l, self.language),
            })
            .collect()
    }
}

fn direction(language: &Language) -> &'static str {
    if language.rtl {
        "rtl"
    } else {
        "ltr"
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn keys(language: &Language) -> Result<BTreeSet<String>, serde_json::Error> {
        Ok(parse(language)?.into_keys().collect())
    }

    fn lang(code: &str) -> Result<&'static Language, String> {
        language(code).ok_or_else(|| format!("{code} is not offered"))
    }

    #[test]
    fn every_catalogue_parses_and_uses_only_english_keys() -> Result<(), serde_json::Error> {
        let english = keys(english())?;
        for l in &LANGUAGES {
            let extra: Vec<String> = keys(l)?.difference(&english).cloned().collect();
            // Plural forms English does not have (Arabic's zero, two, few, many) are fine.
            let extra: Vec<&String> = extra
                .iter()
                .filter(|k| {
                    let base = k.rsplit_once('.').map_or(k.as_str(), |(b, _)| b);
                    !english.contains(&format!("{base}.other"))
                })
                .collect();
            assert!(
                extra.is_empty(),
                "{}: keys English lacks: {extra:?}",
                l.code
            );
        }
        Ok(())
    }

    #[test]
    fn english_and_french_have_the_same_keys() -> Result<(), Box<dyn std::error::Error>> {
        let (en, fr) = (keys(english())?, keys(lang("fr")?)?);
        let missing: Vec<_> = en.difference(&fr).collect();
        let extra: Vec<_> = fr.difference(&en).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "French lacks {missing:?}, has extra {extra:?}"
        );
        Ok(())
    }

    /// Spanish and Arabic cover at least the navigation and the search page's chrome.
    #[test]
    fn partial_languages_cover_navigation_and_search() -> Result<(), Box<dyn std::error::Error>> {
        for code in ["es", "ar"] {
            let have = keys(lang(code)?)?;
            let missing: Vec<String> = keys(english())?
                .into_iter()
                .filter(|k| k.starts_with("nav.") || k.starts_with("search.sort"))
                .filter(|k| !have.contains(k))
                .collect();
            assert!(missing.is_empty(), "{code} lacks {missing:?}");
        }
        Ok(())
    }

    /// Every `ui.t…("key"` in a template names a message English has.
    #[test]
    fn every_key_used_in_templates_exists_in_english() -> Result<(), Box<dyn std::error::Error>> {
        let english = keys(english())?;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut used = 0;
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let text = std::fs::read_to_string(&path)?;
            for (method, key) in template_keys(&text) {
                used += 1;
                let known = if method == "tn" {
                    english.contains(&format!("{key}.other"))
                } else {
                    english.contains(key)
                };
                assert!(
                    known,
                    "{}: ui.{method}(\"{key}\") is not in en.json",
                    path.display()
                );
            }
        }
        assert!(used > 50, "found only {used} messages: is the scan broken?");
        Ok(())
    }

    /// (method, key) of every `ui.t("key"`, `ui.tr("key"`, … in a template.
    fn template_keys(text: &str) -> Vec<(&str, &str)> {
        text.split("ui.")
            .skip(1)
            .filter_map(|rest| {
                let (method, rest) = rest.split_once("(\"")?;
                let key = rest.split('"').next()?;
                matches!(method, "t" | "tr" | "tr2" | "tn").then_some((method, key))
            })
            .collect()
    }

    #[test]
    fn missing_messages_fall_back_to_english() -> Result<(), String> {
        let ar = Ui::new(lang("ar")?, "/", "");
        assert_eq!(ar.t("detail.tags"), "Tags");
        assert_eq!(ar.t("nav.recommendations"), "التوصيات");
        assert_eq!(ar.t("no.such.key"), "no.such.key");
        Ok(())
    }

    #[test]
    fn counted_messages_follow_each_languages_plural_rules() -> Result<(), String> {
        let count = |code: &str, n: u64| -> Result<String, String> {
            Ok(Ui::new(lang(code)?, "/", "").tn("count.recommendations", n))
        };
        assert_eq!(count("en", 0)?, "0 recommendations");
        assert_eq!(count("en", 1)?, "1 recommendation");
        assert_eq!(count("fr", 0)?, "0 recommandation");
        assert_eq!(count("fr", 2)?, "2 recommandations");
        assert_eq!(count("ar", 2)?, "توصيتان");
        assert_eq!(count("ar", 5)?, "5 توصيات");
        assert_eq!(count("ar", 11)?, "11 توصية");
        Ok(())
    }

    #[test]
    fn tags_pick_their_primary_language() {
        assert_eq!(language("fr-CA").map(|l| l.code), Some("fr"));
        assert_eq!(language("ES").map(|l| l.code), Some("es"));
        assert!(language("xx").is_none() && language("").is_none());
    }

    #[test]
    fn the_switcher_keeps_the_page_and_its_query() {
        let ui = Ui::new(english(), "/recommendations", "q=torture");
        let links = ui.languages();
        assert!(links[0].current && links[0].href == "/recommendations?q=torture&lang=en");
        assert_eq!(links[3].dir, "rtl");
        assert_eq!(Ui::default().languages()[1].href, "/?lang=fr");
    }
}

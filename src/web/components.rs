//! Reusable pieces of pages: fields, tables, badges, empty states, alerts.

use maud::{Markup, html};

use crate::web::csrf;

pub fn csrf_input(token: &str) -> Markup {
    html! { input type="hidden" name=(csrf::FIELD) value=(token); }
}

/// A labelled form field with its hint and error, wired for screen readers.
pub struct Field<'a> {
    /// The input's id; defaults to `f-{name}` (set it when a page has two such fields).
    pub id: Option<String>,
    pub label: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub value: &'a str,
    pub error: Option<&'a str>,
    pub hint: Option<&'a str>,
    pub required: bool,
    pub autocomplete: &'a str,
    /// An example shown in the empty field, never sent with the form.
    pub placeholder: &'a str,
}

impl<'a> Field<'a> {
    pub fn new(label: &'a str, name: &'a str) -> Self {
        Self {
            id: None,
            label,
            name,
            kind: "text",
            value: "",
            error: None,
            hint: None,
            required: false,
            autocomplete: "off",
            placeholder: "",
        }
    }

    pub fn placeholder(mut self, example: &'a str) -> Self {
        self.placeholder = example;
        self
    }
    pub fn kind(mut self, kind: &'a str) -> Self {
        self.kind = kind;
        self
    }
    pub fn value(mut self, value: &'a str) -> Self {
        self.value = value;
        self
    }
    pub fn error(mut self, error: Option<&'a str>) -> Self {
        self.error = error;
        self
    }
    pub fn hint(mut self, hint: &'a str) -> Self {
        self.hint = Some(hint);
        self
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn autocomplete(mut self, value: &'a str) -> Self {
        self.autocomplete = value;
        self
    }

    pub fn render(&self) -> Markup {
        let id = self
            .id
            .clone()
            .unwrap_or_else(|| format!("f-{}", self.name));
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let described = match (self.hint.is_some(), self.error.is_some()) {
            (true, true) => format!("{hint_id} {error_id}"),
            (true, false) => hint_id.clone(),
            (false, true) => error_id.clone(),
            (false, false) => String::new(),
        };
        html! {
            div.field.has-error[self.error.is_some()] {
                label for=(id) { (self.label) @if self.required { " " span.req aria-hidden="true" { "*" } } }
                @if let Some(hint) = self.hint { p.hint id=(hint_id) { (hint) } }
                input id=(id) name=(self.name) type=(self.kind) value=(self.value)
                    required[self.required] autocomplete=(self.autocomplete)
                    placeholder=[(!self.placeholder.is_empty()).then_some(self.placeholder)]
                    aria-invalid=[self.error.map(|_| "true")]
                    aria-describedby=[(!described.is_empty()).then_some(&described)];
                @if let Some(error) = self.error { p.error id=(error_id) role="alert" { (error) } }
            }
        }
    }
}

/// A select of (value, label) options.
pub fn select(label: &str, name: &str, options: &[(&str, &str)], selected: &str) -> Markup {
    let id = format!("f-{name}");
    html! {
        div.field {
            label for=(id) { (label) }
            select id=(id) name=(name) {
                @for (value, text) in options {
                    option value=(value) selected[*value == selected] { (text) }
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
pub enum Tone {
    Neutral,
    Success,
    Warning,
    Danger,
    Info,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Success => "success",
            Tone::Warning => "warning",
            Tone::Danger => "danger",
            Tone::Info => "info",
        }
    }
}

pub fn badge(text: &str, tone: Tone) -> Markup {
    html! { span class={ "badge " (tone.class()) } { (text) } }
}

pub fn alert(tone: Tone, text: &str) -> Markup {
    let role = if matches!(tone, Tone::Danger) {
        "alert"
    } else {
        "status"
    };
    html! { div class={ "alert " (tone.class()) } role=(role) { (text) } }
}

pub fn empty_state(title: &str, text: &str, action: Option<(&str, &str)>) -> Markup {
    html! {
        div.empty-state {
            h2 { (title) }
            p { (text) }
            @if let Some((label, href)) = action { a.btn.primary href=(href) { (label) } }
        }
    }
}

/// A count in French: "1 produit", "0 produit", "250 000 variantes" (thousands grouped
/// by a narrow no-break space, as French typography writes them).
pub fn count(n: i64, one: &str, many: &str) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{grouped} {}", plural(n, one, many))
}

/// The word agreeing with `n` in French (0 and 1 take the singular).
pub fn plural<'a>(n: i64, one: &'a str, many: &'a str) -> &'a str {
    if n.abs() > 1 { many } else { one }
}

/// Which page of a list to show: the one asked (counted from 1), within the pages there
/// are, with the number of pages.
pub fn page_of(asked: i64, total: i64, size: i64) -> (i64, i64) {
    let pages = ((total + size - 1) / size).max(1);
    (asked.clamp(1, pages), pages)
}

/// A list's count and place ("156 variantes · page 1/4") with links to the pages around.
pub fn pager(summary: &str, page: i64, pages: i64, link: impl Fn(i64) -> String) -> Markup {
    html! {
        nav.pager aria-label="Pagination" {
            span.pager-count { (summary) @if pages > 1 { " · page " (page) "/" (pages) } }
            @if page > 1 { a.btn href=(link(page - 1)) rel="prev" { "← Précédent" } }
            @if page < pages { a.btn href=(link(page + 1)) rel="next" { "Suivant →" } }
        }
    }
}

/// The list's link to another page, keeping the search.
pub fn page_link(action: &'static str, q: &str) -> impl Fn(i64) -> String {
    let q = q.to_string();
    move |p: i64| {
        let query = serde_urlencoded::to_string([("q", q.as_str()), ("page", &p.to_string())])
            .unwrap_or_default();
        format!("{action}?{query}")
    }
}

pub fn table(headers: &[&str], rows: impl IntoIterator<Item = Markup>) -> Markup {
    html! {
        div.table-wrap {
            table {
                thead { tr { @for h in headers { th scope="col" { (h) } } } }
                tbody { @for row in rows { (row) } }
            }
        }
    }
}

pub fn card(title: &str, body: Markup) -> Markup {
    html! {
        section.card {
            h2 { (title) }
            (body)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_and_agree_in_number() {
        assert_eq!(count(0, "produit", "produits"), "0 produit");
        assert_eq!(count(1, "produit", "produits"), "1 produit");
        assert_eq!(count(156, "variante", "variantes"), "156 variantes");
        assert_eq!(
            count(250_000, "variante", "variantes"),
            "250\u{202f}000 variantes"
        );
        assert_eq!(count(1_234_567, "a", "b"), "1\u{202f}234\u{202f}567 b");
    }

    #[test]
    fn pages_stay_within_the_list() {
        assert_eq!(page_of(1, 0, 25), (1, 1));
        assert_eq!(page_of(0, 100, 25), (1, 4));
        assert_eq!(page_of(4, 100, 25), (4, 4));
        assert_eq!(page_of(9, 101, 25), (5, 5));
    }
}

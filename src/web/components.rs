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

//! Pages outside the app frame: first-run setup and login.

use maud::{Markup, html};

use crate::web::components::{Field, Tone, alert, csrf_input};
use crate::web::{layout, paths};

mod text {
    pub const SETUP_TITLE: &str = "Bienvenue sur Comptoir";
    pub const SETUP_LEAD: &str = "Créez le compte administrateur de votre commerce. Vous pourrez inviter votre équipe ensuite.";
    pub const EMAIL: &str = "Adresse e-mail";
    pub const PASSWORD: &str = "Mot de passe";
    pub const PASSWORD_HINT: &str =
        "Au moins 10 caractères. Une phrase facile à retenir fait un bon mot de passe.";
    pub const BUSINESS_NAME: &str = "Nom du commerce";
    pub const CREATE: &str = "Créer mon compte";
    pub const LOGIN_TITLE: &str = "Connexion";
    pub const LOGIN: &str = "Se connecter";
}

#[derive(Default)]
pub struct SetupErrors {
    pub email: Option<String>,
    pub password: Option<String>,
    pub business_name: Option<String>,
    pub form: Option<String>,
}

impl SetupErrors {
    pub fn any(&self) -> bool {
        self.email.is_some()
            || self.password.is_some()
            || self.business_name.is_some()
            || self.form.is_some()
    }
}

pub fn setup(csrf: &str, email: &str, business_name: &str, errors: &SetupErrors) -> Markup {
    layout::bare_page(
        text::SETUP_TITLE,
        html! {
            section.card {
                h1 { (text::SETUP_TITLE) }
                p.lead { (text::SETUP_LEAD) }
                @if let Some(e) = &errors.form { (alert(Tone::Danger, e)) }
                form.stack method="post" action=(paths::SETUP) novalidate {
                    (csrf_input(csrf))
                    (Field::new(text::EMAIL, "email").kind("email").value(email).required()
                        .autocomplete("username").error(errors.email.as_deref()).render())
                    (Field::new(text::PASSWORD, "password").kind("password").required()
                        .autocomplete("new-password").hint(text::PASSWORD_HINT)
                        .error(errors.password.as_deref()).render())
                    (Field::new(text::BUSINESS_NAME, "business_name").value(business_name).required()
                        .autocomplete("organization").error(errors.business_name.as_deref()).render())
                    div.actions { button.btn.primary type="submit" { (text::CREATE) } }
                }
            }
        },
    )
}

pub fn login(
    csrf: &str,
    email: &str,
    next: &str,
    error: Option<&str>,
    notice: Option<&str>,
) -> Markup {
    layout::bare_page(
        text::LOGIN_TITLE,
        html! {
            section.card {
                h1 { (text::LOGIN_TITLE) }
                @if let Some(n) = notice { (alert(Tone::Success, n)) }
                @if let Some(e) = error { (alert(Tone::Danger, e)) }
                form.stack method="post" action=(paths::LOGIN) {
                    (csrf_input(csrf))
                    input type="hidden" name="next" value=(next);
                    (Field::new(text::EMAIL, "email").kind("email").value(email).required().autocomplete("username").render())
                    (Field::new(text::PASSWORD, "password").kind("password").required().autocomplete("current-password").render())
                    div.actions { button.btn.primary type="submit" { (text::LOGIN) } }
                }
            }
        },
    )
}

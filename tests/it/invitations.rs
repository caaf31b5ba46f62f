//! Inviting a teammate: the link (shown when e-mail is not set up) works once, for
//! seven days, unless revoked; the invitee chooses a name and password and lands in the
//! app with their role; in Chromium too.

use jiff::SignedDuration;

use crate::common::{Client, TestApp};

fn invite(owner: &Client, email: &str, role: &str) -> String {
    let r = owner.submit(
        "/settings/invitations",
        "/settings/invitations",
        &[("email", email), ("role", role)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("transmettez ce lien"), "{}", r.body);
    let at = r.body.find("/invitation/").expect("the link is shown");
    r.body[at..].chars().take_while(|c| *c != '<').collect()
}

#[test]
fn an_invitation_link_works_once_for_seven_days_unless_revoked() {
    let app = TestApp::spawn();
    let owner = app.setup_owner();
    let link = invite(&owner, "lea@elegance.test", "agent");
    let lea = app.client();
    let form = lea.get(&link);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Agent") && form.body.contains("lea@elegance.test"));
    let weak = lea.submit(
        &link,
        &link,
        &[("display_name", "Léa"), ("password", "court")],
    );
    assert_eq!(weak.status, 422);
    assert!(weak.body.contains("Léa"), "the name typed is kept");
    let ok = lea.submit(
        &link,
        &link,
        &[("display_name", "Léa"), ("password", "rivoli-24-paris-lea")],
    );
    assert_eq!((ok.status, ok.location()), (303, "/"), "{}", ok.body);
    // In, with the agent's rights.
    assert_eq!(lea.get("/inbox").status, 200);
    assert_eq!(lea.get("/settings/invitations").status, 403);
    // Used: the link says so.
    let again = app.client().get(&link);
    assert!(again.body.contains("déjà servi"), "{}", again.body);
    let list = owner.get("/settings/invitations");
    assert!(list.body.contains("Acceptée"));
    // An existing member is not invited again.
    let dup = owner.submit(
        "/settings/invitations",
        "/settings/invitations",
        &[("email", "lea@elegance.test"), ("role", "agent")],
    );
    assert!(dup.body.contains("fait déjà partie"));

    // Revoked, then expired.
    let revoked = invite(&owner, "paul@elegance.test", "read_only");
    let id: i64 = rusqlite::Connection::open(app.data_dir.join("comptoir.db"))
        .unwrap()
        .query_row(
            "SELECT id FROM invitations WHERE email = 'paul@elegance.test'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let r = owner.submit(
        "/settings/invitations",
        &format!("/settings/invitations/{id}"),
        &[("action", "revoke")],
    );
    assert_eq!(r.status, 200);
    assert!(app.client().get(&revoked).body.contains("annulée"));
    let late = invite(&owner, "zoe@elegance.test", "order_manager");
    app.clock.advance(SignedDuration::from_hours(24 * 8));
    assert!(app.client().get(&late).body.contains("expiré"));
    let bad = app.client().get("/invitation/nope");
    assert!(bad.body.contains("n'existe pas"));
}

#[test]
fn in_a_browser_the_invitee_sets_a_password_and_lands_in_the_app() {
    let app = TestApp::spawn();
    let owner = app.setup_owner();
    let link = invite(&owner, "ines@elegance.test", "read_only");
    let Some(b) = crate::browser::Browser::start_or_skip() else {
        return;
    };
    b.open(&format!("{}{link}", app.base));
    b.wait_for_text("Rejoindre l'équipe");
    b.fill("input[name=display_name]", "Inès");
    b.fill("input[name=password]", "rivoli-24-paris-ines");
    b.click("form button[type=submit]");
    b.wait_for_text("Se déconnecter");
    b.wait_for_text("Lecture seule");
}

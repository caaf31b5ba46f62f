//! The assistant's words: one template per situation and language, in the shop's tone
//! (`tu` or `vous` in French). The shop may rewrite any of them (Settings > Messages de
//! l'IA); facts go in through `{placeholders}` and always come from the data.

use std::collections::HashMap;

use super::lang::Lang;
use super::shop::Tone;

pub struct Template {
    pub key: &'static str,
    /// What the situation is, for the settings page.
    pub label: &'static str,
    /// Placeholders the text may use.
    pub fields: &'static [&'static str],
    pub fr_tu: &'static str,
    pub fr_vous: &'static str,
    pub en: &'static str,
}

macro_rules! templates {
    ($($key:literal, $label:literal, [$($field:literal),*], $tu:literal, $vous:literal, $en:literal;)*) => {
        pub const TEMPLATES: &[Template] = &[
            $(Template { key: $key, label: $label, fields: &[$($field),*], fr_tu: $tu, fr_vous: $vous, en: $en },)*
        ];
    };
}

templates! {
    "greeting", "Salutation", ["shop"],
        "Bonjour et bienvenue chez {shop} ! Comment je peux t'aider ? 😊",
        "Bonjour et bienvenue chez {shop} ! Comment puis-je vous aider ? 😊",
        "Hello and welcome to {shop}! How can I help? 😊";
    "thanks", "Remerciements", ["shop"],
        "Avec plaisir ! À très vite chez {shop} 😊",
        "Avec plaisir ! À très bientôt chez {shop} 😊",
        "You're welcome! See you soon at {shop} 😊";
    "survey", "Enquête de satisfaction (à la fermeture)", ["shop"],
        "Merci d'avoir écrit à {shop} ! Une petite question : de 1 à 5, tu as été satisfait(e) de notre échange ? Réponds juste avec un chiffre.",
        "Merci d'avoir écrit à {shop} ! Une petite question : de 1 à 5, êtes-vous satisfait(e) de notre échange ? Répondez simplement avec un chiffre.",
        "Thank you for contacting {shop}! One quick question: from 1 to 5, how satisfied are you with our exchange? Just reply with a number.";
    "survey_thanks", "Enquête de satisfaction (réponse reçue)", [],
        "Merci pour ta réponse, ça nous aide beaucoup ! 😊",
        "Merci pour votre réponse, cela nous aide beaucoup ! 😊",
        "Thank you for your answer, it really helps! 😊";
    "reserved", "Article en stock, mis de côté", ["item", "count", "until", "le", "mis", "it"],
        "Oui, on a {item} ! Il nous en reste {count} en boutique. Je te {le}ai {mis} de côté jusqu'à {until}. Tu passes quand ? 😊",
        "Oui, nous avons {item} ! Il nous en reste {count} en boutique. Je vous {le}ai {mis} de côté jusqu'à {until}. Quand pensez-vous passer ? 😊",
        "Yes, we have {item}! {count} left in the shop. I've put {it} aside for you until {until}. When will you come by? 😊";
    "reserved_fewer", "Moins d'articles que demandé, mis de côté", ["item", "count", "until", "le", "mis", "it"],
        "Il ne nous en reste que {count} en boutique : {item}. Je te mets les {count} de côté jusqu'à {until}. Tu passes quand ? 😊",
        "Il ne nous en reste que {count} en boutique : {item}. Je vous mets les {count} de côté jusqu'à {until}. Quand pensez-vous passer ? 😊",
        "We only have {count} left in the shop: {item}. I've put all {count} aside for you until {until}. When will you come by? 😊";
    "already_reserved", "Article déjà mis de côté", ["item", "until", "le", "mis", "it"],
        "C'est déjà mis de côté pour toi : {item}, jusqu'à {until} 😊",
        "C'est déjà mis de côté pour vous : {item}, jusqu'à {until} 😊",
        "It's already set aside for you: {item}, until {until} 😊";
    "in_stock", "Article en stock (sans mise de côté automatique)", ["item", "count", "le", "mis", "it"],
        "Oui, on a {item} ! Il nous en reste {count} en boutique. Tu veux que je mette ça de côté pour toi ?",
        "Oui, nous avons {item} ! Il nous en reste {count} en boutique. Voulez-vous que je mette ça de côté pour vous ?",
        "Yes, we have {item}! {count} left in the shop. Shall I put it aside for you?";
    "hold_declined", "Mise de côté refusée", [],
        "Pas de souci ! N'hésite pas si tu changes d'avis.",
        "Pas de souci ! N'hésitez pas si vous changez d'avis.",
        "No problem! Just ask if you change your mind.";
    "out_of_stock", "Article épuisé en boutique", ["item", "le", "mis", "it"],
        "Désolé, on n'a plus {item} en boutique pour le moment.",
        "Désolé, nous n'avons plus {item} en boutique pour le moment.",
        "Sorry, we're out of {item} in the shop at the moment.";
    "available_elsewhere", "Complément : disponible dans un autre lieu", ["places", "le", "mis", "it"],
        "Il en reste à {places} : on peut te {le}expédier ou {le}apporter en boutique 📦",
        "Il en reste à {places} : nous pouvons vous {le}expédier ou {le}apporter en boutique 📦",
        "We still have some at {places}: we can ship {it} to you or bring {it} to the shop 📦";
    "other_values", "Complément : autres tailles ou couleurs en boutique", ["values"],
        "En boutique, il nous reste : {values}.",
        "En boutique, il nous reste : {values}.",
        "In the shop we still have: {values}.";
    "no_such_option", "Taille ou couleur qui n'existe pas", ["product", "value", "values", "le", "mis", "it"],
        "Désolé, on n'a pas {product} en {value}. On {le}a en : {values}.",
        "Désolé, nous n'avons pas {product} en {value}. Nous {le}avons en : {values}.",
        "Sorry, we don't have {product} in {value}. We have {it} in: {values}.";
    "ask_size", "Demander la taille", ["product", "values", "le", "mis", "it"],
        "Quelle taille te faut-il pour {product} ? En boutique, on a : {values}.",
        "Quelle taille vous faut-il pour {product} ? En boutique, nous avons : {values}.",
        "Which size would you like for {product}? In the shop we have: {values}.";
    "ask_color", "Demander la couleur", ["product", "values", "le", "mis", "it"],
        "Quelle couleur te ferait plaisir pour {product} ? En boutique, on a : {values}.",
        "Quelle couleur souhaitez-vous pour {product} ? En boutique, nous avons : {values}.",
        "Which colour would you like for {product}? In the shop we have: {values}.";
    "option_values", "Article proposé en plusieurs versions", ["product", "values", "le", "mis", "it"],
        "On a {product} en : {values}. Laquelle te ferait plaisir ?",
        "Nous avons {product} en : {values}. Laquelle souhaitez-vous ?",
        "We have {product} in: {values}. Which one would you like?";
    "ask_product", "Demander de quel article il s'agit", ["values"],
        "Tu penses à quel article ? J'ai par exemple : {values}.",
        "À quel article pensez-vous ? J'ai par exemple : {values}.",
        "Which item do you mean? For example: {values}.";
    "ask_product_name", "Article non trouvé", [],
        "Quel article cherches-tu ? Donne-moi son nom (et ta taille) et je regarde tout de suite.",
        "Quel article cherchez-vous ? Donnez-moi son nom (et votre taille) et je regarde tout de suite.",
        "Which item are you looking for? Tell me its name (and your size) and I'll check right away.";
    "list_products", "Liste d'articles", ["values"],
        "Voici ce qu'on a en ce moment : {values}. Un article te plaît ?",
        "Voici ce que nous avons en ce moment : {values}. Un article vous intéresse ?",
        "Here is what we have right now: {values}. Does anything catch your eye?";
    "price", "Prix d'un article", ["item", "price", "le", "mis", "it"],
        "{item} : {price}.",
        "{item} : {price}.",
        "{item}: {price}.";
    "cancelled", "Réservation annulée", ["items"],
        "C'est noté, j'ai annulé la mise de côté : {items}. À bientôt !",
        "C'est noté, j'ai annulé la mise de côté : {items}. À bientôt !",
        "Done, I've cancelled the hold: {items}. See you soon!";
    "nothing_to_cancel", "Aucune réservation à annuler", [],
        "Je ne vois aucun article mis de côté pour toi en ce moment.",
        "Je ne vois aucun article mis de côté pour vous en ce moment.",
        "I can't see anything set aside for you at the moment.";
    "order_delivered", "Commande livrée", ["order", "tracking"],
        "Ta commande {order} a été livrée. {tracking}",
        "Votre commande {order} a été livrée. {tracking}",
        "Your order {order} has been delivered. {tracking}";
    "order_out_for_delivery", "Commande en cours de livraison", ["order", "tracking"],
        "Bonne nouvelle : ta commande {order} est en cours de livraison aujourd'hui ! {tracking}",
        "Bonne nouvelle : votre commande {order} est en cours de livraison aujourd'hui ! {tracking}",
        "Good news: your order {order} is out for delivery today! {tracking}";
    "order_shipped", "Commande expédiée", ["order", "tracking"],
        "Ta commande {order} est en route. {tracking}",
        "Votre commande {order} est en route. {tracking}",
        "Your order {order} is on its way. {tracking}";
    "order_partial", "Commande partiellement expédiée", ["order", "tracking"],
        "Une partie de ta commande {order} est en route, le reste suit bientôt. {tracking}",
        "Une partie de votre commande {order} est en route, le reste suit bientôt. {tracking}",
        "Part of your order {order} is on its way; the rest will follow soon. {tracking}";
    "order_preparing", "Commande en préparation", ["order"],
        "Ta commande {order} est en préparation : elle n'est pas encore expédiée, elle part bientôt !",
        "Votre commande {order} est en préparation : elle n'est pas encore expédiée, elle part bientôt !",
        "Your order {order} is being prepared: it has not shipped yet, it will leave soon!";
    "order_awaiting_payment", "Commande en attente de paiement", ["order"],
        "Ta commande {order} est en attente de paiement : elle partira dès qu'il sera confirmé.",
        "Votre commande {order} est en attente de paiement : elle partira dès qu'il sera confirmé.",
        "Your order {order} is awaiting payment: it will ship as soon as payment is confirmed.";
    "order_cancelled", "Commande annulée", ["order"],
        "Ta commande {order} a été annulée. Si tu veux en savoir plus, je transmets à l'équipe.",
        "Votre commande {order} a été annulée. Si vous voulez en savoir plus, je transmets à l'équipe.",
        "Your order {order} was cancelled. If you'd like to know more, I can pass you to the team.";
    "order_refunded", "Commande remboursée", ["order"],
        "Ta commande {order} a été remboursée.",
        "Votre commande {order} a été remboursée.",
        "Your order {order} has been refunded.";
    "tracking", "Complément : suivi du colis", ["carrier", "number", "link"],
        "Suivi {carrier} : {number} {link}",
        "Suivi {carrier} : {number} {link}",
        "{carrier} tracking: {number} {link}";
    "ask_order", "Demander le numéro de commande", [],
        "Peux-tu me donner ton numéro de commande (par exemple #1234) et l'e-mail utilisé pour commander ?",
        "Pouvez-vous me donner votre numéro de commande (par exemple #1234) et l'e-mail utilisé pour commander ?",
        "Could you give me your order number (for example #1234) and the e-mail address you ordered with?";
    "order_not_found", "Commande introuvable", ["order"],
        "Je ne trouve pas de commande {order}. Peux-tu vérifier le numéro ?",
        "Je ne trouve pas de commande {order}. Pouvez-vous vérifier le numéro ?",
        "I can't find an order {order}. Could you check the number?";
    "ask_email", "Demander l'e-mail de la commande (vérification)", ["order"],
        "Pour protéger tes informations, peux-tu m'indiquer l'adresse e-mail utilisée pour la commande {order} ?",
        "Pour protéger vos informations, pouvez-vous m'indiquer l'adresse e-mail utilisée pour la commande {order} ?",
        "To protect your details, could you tell me the e-mail address used for order {order}?";
    "email_mismatch", "E-mail qui ne correspond pas à la commande", ["order"],
        "Cette adresse ne correspond pas à la commande {order}. Peux-tu vérifier ?",
        "Cette adresse ne correspond pas à la commande {order}. Pouvez-vous vérifier ?",
        "That address doesn't match order {order}. Could you check it?";
    "ask_ship_to", "Commande d'une marketplace : code postal ou nom de livraison demandé", ["order"],
        "Pour protéger tes informations, peux-tu m'indiquer le code postal ou le nom de livraison de la commande {order} ?",
        "Pour protéger vos informations, pouvez-vous m'indiquer le code postal ou le nom de livraison de la commande {order} ?",
        "To protect your details, could you tell me the delivery postcode or name on order {order}?";
    "ship_to_mismatch", "Code postal ou nom qui ne correspond pas à la commande", ["order"],
        "Ce code postal ou ce nom ne correspond pas à la commande {order}. Peux-tu vérifier ?",
        "Ce code postal ou ce nom ne correspond pas à la commande {order}. Pouvez-vous vérifier ?",
        "That postcode or name doesn't match order {order}. Could you check it?";
    "hours_week", "Horaires de la semaine", ["hours"],
        "Nos horaires : {hours}.",
        "Nos horaires : {hours}.",
        "Our opening hours: {hours}.";
    "hours_day_open", "Horaires d'un jour", ["day", "hours"],
        "{day}, nous sommes ouverts {hours}.",
        "{day}, nous sommes ouverts {hours}.",
        "{day}, we're open {hours}.";
    "hours_day_closed", "Jour de fermeture", ["day", "week"],
        "{day}, nous sommes fermés. Nos horaires : {week}.",
        "{day}, nous sommes fermés. Nos horaires : {week}.",
        "{day}, we're closed. Our opening hours: {week}.";
    "open_now", "Ouvert en ce moment", ["close"],
        "Oui, nous sommes ouverts jusqu'à {close} aujourd'hui !",
        "Oui, nous sommes ouverts jusqu'à {close} aujourd'hui !",
        "Yes, we're open until {close} today!";
    "closed_now", "Fermé en ce moment", ["next"],
        "Nous sommes fermés en ce moment. Nous rouvrons {next}.",
        "Nous sommes fermés en ce moment. Nous rouvrons {next}.",
        "We're closed right now. We open again {next}.";
    "address", "Adresse", ["address", "shop"],
        "Tu nous trouves au {address}. À bientôt chez {shop} !",
        "Vous nous trouverez au {address}. À bientôt chez {shop} !",
        "You'll find us at {address}. See you soon at {shop}!";
    "contact", "Téléphone et e-mail", ["phone", "email"],
        "Tu peux nous appeler au {phone} ou nous écrire à {email}.",
        "Vous pouvez nous appeler au {phone} ou nous écrire à {email}.",
        "You can call us on {phone} or write to {email}.";
    "returns", "Politique de retour", ["policy"],
        "Nos retours et échanges : {policy}",
        "Nos retours et échanges : {policy}",
        "Returns and exchanges: {policy}";
    "shipping", "Livraison", ["policy", "countries"],
        "Livraison : {policy} Pays livrés : {countries}.",
        "Livraison : {policy} Pays livrés : {countries}.",
        "Shipping: {policy} We ship to {countries}.";
    "ships_there", "Livraison possible vers un pays", ["country", "policy"],
        "Oui, nous livrons {country} ! {policy}",
        "Oui, nous livrons {country} ! {policy}",
        "Yes, we ship {country}! {policy}";
    "ships_not_there", "Pas de livraison vers un pays", ["country", "countries"],
        "Désolé, nous ne livrons pas {country} pour le moment. Pays livrés : {countries}.",
        "Désolé, nous ne livrons pas {country} pour le moment. Pays livrés : {countries}.",
        "Sorry, we don't ship {country} at the moment, only to {countries}.";
    "alert_offer", "Proposition d'alerte de retour en stock", ["item", "la", "il", "revient", "it", "is"],
        "Tu veux que je te prévienne dès qu'{il} {revient} ?",
        "Voulez-vous que je vous prévienne dès qu'{il} {revient} ?",
        "Shall I let you know as soon as {it} {is} back?";
    "alert_subscribed", "Alerte enregistrée (SMS, WhatsApp)", ["item", "il", "revient", "it", "is"],
        "C'est noté ! Je te préviens ici dès qu'{il} {revient} en boutique 👍 (réponds STOP pour ne plus recevoir d'alertes)",
        "C'est noté ! Je vous préviens ici dès qu'{il} {revient} en boutique 👍 (répondez STOP pour ne plus recevoir d'alertes)",
        "Done! I'll let you know here as soon as {it} {is} back in the shop 👍 (reply STOP to stop alerts)";
    "price_alert_subscribed", "Alerte de baisse de prix enregistrée (SMS, WhatsApp)", ["item"],
        "C'est noté ! Je te préviens ici si le prix de {item} baisse 👍 (réponds STOP pour ne plus recevoir d'alertes)",
        "C'est noté ! Je vous préviens ici si le prix de {item} baisse 👍 (répondez STOP pour ne plus recevoir d'alertes)",
        "Done! I'll let you know here if the price of {item} drops 👍 (reply STOP to stop alerts)";
    "alert_confirm", "Alerte par e-mail : confirmation demandée", ["item", "email"],
        "C'est noté ! Je t'ai envoyé un e-mail à {email} : clique sur le lien qu'il contient pour activer l'alerte.",
        "C'est noté ! Je vous ai envoyé un e-mail à {email} : cliquez sur le lien qu'il contient pour activer l'alerte.",
        "Done! I've sent an e-mail to {email}: click the link in it to turn the alert on.";
    "alert_ask_email", "Alerte depuis le chat du site : adresse e-mail demandée", ["item", "il", "revient", "it", "is"],
        "Avec plaisir ! Laisse-moi ton adresse e-mail et je te préviens dès qu'{il} {revient}.",
        "Avec plaisir ! Laissez-moi votre adresse e-mail et je vous préviens dès qu'{il} {revient}.",
        "Happy to! Leave me your e-mail address and I'll let you know as soon as {it} {is} back.";
    "alert_already", "Alerte déjà enregistrée", ["item"],
        "C'est déjà noté : tu seras prévenu(e) pour {item} 👍",
        "C'est déjà noté : vous serez prévenu(e) pour {item} 👍",
        "Already noted: you'll hear from me about {item} 👍";
    "alert_off", "Alertes non disponibles ici", [],
        "Désolé, je ne peux pas envoyer d'alerte par ce biais. Repasse me demander d'ici quelques jours !",
        "Désolé, je ne peux pas envoyer d'alerte par ce biais. N'hésitez pas à redemander d'ici quelques jours !",
        "Sorry, I can't send alerts this way. Do ask again in a few days!";
    "alert_back", "Alerte envoyée : retour en stock", ["item", "price", "link", "shop", "la", "it"],
        "Bonne nouvelle de {shop} : retour en boutique de {item}, à {price} ! {link}Tu veux que je te {la} mette de côté ?",
        "Bonne nouvelle de {shop} : retour en boutique de {item}, à {price} ! {link}Voulez-vous que je vous {la} mette de côté ?",
        "Good news from {shop}: {item} is back in the shop, at {price}! {link}Shall I put {it} aside for you?";
    "alert_price", "Alerte envoyée : baisse de prix", ["item", "price", "old", "link", "shop", "la", "it"],
        "Bonne nouvelle de {shop} : {item} passe à {price} au lieu de {old} ! {link}Tu veux que je te {la} mette de côté ?",
        "Bonne nouvelle de {shop} : {item} passe à {price} au lieu de {old} ! {link}Voulez-vous que je vous {la} mette de côté ?",
        "Good news from {shop}: {item} is now {price} instead of {old}! {link}Shall I put {it} aside for you?";
    "alert_confirm_email", "E-mail de confirmation d'une alerte", ["item", "shop", "link"],
        "Bonjour ! Pour être prévenu(e) par {shop} au sujet de {item}, confirme ton adresse en ouvrant ce lien (valable 48 heures) :\n{link}\n\nSi tu n'as rien demandé, ignore simplement cet e-mail.",
        "Bonjour ! Pour être prévenu(e) par {shop} au sujet de {item}, confirmez votre adresse en ouvrant ce lien (valable 48 heures) :\n{link}\n\nSi vous n'avez rien demandé, ignorez simplement cet e-mail.",
        "Hello! To hear from {shop} about {item}, confirm your address by opening this link (valid for 48 hours):\n{link}\n\nIf you didn't ask for this, just ignore this e-mail.";
    "alert_unsubscribe_line", "Lien de désinscription (alertes par e-mail)", ["link"],
        "Ne plus recevoir d'alertes : {link}",
        "Ne plus recevoir d'alertes : {link}",
        "Stop these alerts: {link}";
    "alerts_stopped", "Alertes arrêtées (STOP)", ["shop"],
        "C'est noté, tu ne recevras plus d'alertes de {shop}.",
        "C'est noté, vous ne recevrez plus d'alertes de {shop}.",
        "Done, you won't get any more alerts from {shop}.";
    "appointment_slots", "Rendez-vous : créneaux proposés", ["service", "day", "slots"],
        "{day}, j'ai {slots} ({service}). Laquelle te va ?",
        "{day}, j'ai {slots} ({service}). Laquelle vous convient ?",
        "{day} I have {slots} ({service}). Which suits you?";
    "appointment_day_full", "Rendez-vous : jour complet ou fermé, autre jour proposé", ["service", "day", "next", "slots"],
        "Désolé, {day} je n'ai plus de créneau. {next}, j'ai {slots} ({service}). Laquelle te va ?",
        "Désolé, {day} je n'ai plus de créneau. {next}, j'ai {slots} ({service}). Laquelle vous convient ?",
        "Sorry, {day} is fully booked. {next} I have {slots} ({service}). Which suits you?";
    "appointment_which_service", "Rendez-vous : quel service ?", ["values"],
        "Avec plaisir ! C'est pour quel rendez-vous : {values} ?",
        "Avec plaisir ! Pour quel rendez-vous : {values} ?",
        "Happy to! Which appointment is it for: {values}?";
    "appointment_pick", "Rendez-vous : créneau pas compris", ["slots"],
        "Je n'ai pas bien saisi : laquelle te va parmi {slots} ? Tu peux aussi me donner un autre jour.",
        "Je n'ai pas bien saisi : laquelle vous convient parmi {slots} ? Vous pouvez aussi me donner un autre jour.",
        "I didn't quite get that: which of {slots} suits you? You can also give me another day.";
    "appointment_booked", "Rendez-vous confirmé", ["service", "when", "address", "shop"],
        "C'est noté : {service} {when}, chez {shop} ({address}). À bientôt ! 😊 Pour le déplacer ou l'annuler, écris-moi simplement ici.",
        "C'est noté : {service} {when}, chez {shop} ({address}). À bientôt ! 😊 Pour le déplacer ou l'annuler, écrivez-moi simplement ici.",
        "Booked: {service} {when}, at {shop} ({address}). See you soon! 😊 To move or cancel it, just write to me here.";
    "appointment_taken", "Rendez-vous : créneau pris entre-temps", ["slots"],
        "Oh, ce créneau vient d'être pris ! J'ai encore {slots}. Laquelle te va ?",
        "Oh, ce créneau vient d'être pris ! J'ai encore {slots}. Laquelle vous convient ?",
        "Oh, that slot was just taken! I still have {slots}. Which suits you?";
    "appointment_moved", "Rendez-vous déplacé", ["service", "when"],
        "C'est fait : ton rendez-vous ({service}) est déplacé {when}. À bientôt ! 😊",
        "C'est fait : votre rendez-vous ({service}) est déplacé {when}. À bientôt ! 😊",
        "Done: your appointment ({service}) is moved to {when}. See you soon! 😊";
    "appointment_cancelled", "Rendez-vous annulé", ["service", "when"],
        "C'est annulé : {service} {when}. N'hésite pas à reprendre rendez-vous quand tu veux !",
        "C'est annulé : {service} {when}. N'hésitez pas à reprendre rendez-vous quand vous voulez !",
        "Cancelled: {service} {when}. Book again whenever you like!";
    "appointment_none", "Rendez-vous : rien à annuler", [],
        "Je ne trouve pas de rendez-vous à venir pour toi. Tu veux en prendre un ?",
        "Je ne trouve pas de rendez-vous à venir pour vous. Souhaitez-vous en prendre un ?",
        "I can't find any upcoming appointment for you. Would you like to book one?";
    "appointment_unavailable", "Rendez-vous : pas de réservation en ligne (passage à l'équipe)", [],
        "Je transmets ta demande de rendez-vous à l'équipe, quelqu'un te répond très vite ici.",
        "Je transmets votre demande de rendez-vous à l'équipe, quelqu'un vous répond très vite ici.",
        "I'm passing your appointment request to the team; someone will reply here very soon.";
    "appointment_reminder", "Rappel de rendez-vous (la veille)", ["service", "when", "address", "shop"],
        "Petit rappel de {shop} : ton rendez-vous ({service}) est {when}, {address}. Pour le déplacer ou l'annuler, réponds simplement ici. À demain ! 😊",
        "Petit rappel de {shop} : votre rendez-vous ({service}) est {when}, {address}. Pour le déplacer ou l'annuler, répondez simplement ici. À demain ! 😊",
        "A quick reminder from {shop}: your appointment ({service}) is {when}, {address}. To move or cancel it, just reply here. See you tomorrow! 😊";
    "appointment_confirmed", "Rendez-vous pris par l'équipe (SMS, WhatsApp)", ["service", "when", "address", "shop"],
        "Bonjour ! {shop} te confirme ton rendez-vous : {service} {when}, {address}. Pour le déplacer ou l'annuler, réponds simplement ici.",
        "Bonjour ! {shop} vous confirme votre rendez-vous : {service} {when}, {address}. Pour le déplacer ou l'annuler, répondez simplement ici.",
        "Hello! {shop} confirms your appointment: {service} {when}, {address}. To move or cancel it, just reply here.";
    "appointment_moved_by_shop", "Rendez-vous déplacé par l'équipe (SMS, WhatsApp)", ["service", "when", "shop"],
        "Bonjour ! {shop} a déplacé ton rendez-vous ({service}) : il est maintenant {when}. Si ça ne te convient pas, réponds simplement ici.",
        "Bonjour ! {shop} a déplacé votre rendez-vous ({service}) : il est maintenant {when}. Si cela ne vous convient pas, répondez simplement ici.",
        "Hello! {shop} moved your appointment ({service}): it is now {when}. If that doesn't suit you, just reply here.";
    "appointment_cancelled_by_shop", "Rendez-vous annulé par l'équipe (SMS, WhatsApp)", ["service", "when", "shop"],
        "Bonjour ! {shop} a dû annuler ton rendez-vous ({service}, {when}). Réponds ici pour en fixer un autre.",
        "Bonjour ! {shop} a dû annuler votre rendez-vous ({service}, {when}). Répondez ici pour en fixer un autre.",
        "Hello! {shop} had to cancel your appointment ({service}, {when}). Reply here to book another one.";
    "appointment_invitation", "E-mail d'invitation à un rendez-vous", ["service", "when", "address", "shop"],
        "Bonjour ! Ton rendez-vous chez {shop} : {service}, {when}, {address}. L'invitation pour ton agenda est jointe. Pour le déplacer ou l'annuler, réponds simplement à cet e-mail.",
        "Bonjour ! Votre rendez-vous chez {shop} : {service}, {when}, {address}. L'invitation pour votre agenda est jointe. Pour le déplacer ou l'annuler, répondez simplement à cet e-mail.",
        "Hello! Your appointment at {shop}: {service}, {when}, {address}. The invitation for your calendar is attached. To move or cancel it, just reply to this e-mail.";
    "appointment_cancel_email", "E-mail d'annulation d'un rendez-vous", ["service", "when", "shop"],
        "Bonjour ! Ton rendez-vous chez {shop} ({service}, {when}) est annulé. L'annulation pour ton agenda est jointe.",
        "Bonjour ! Votre rendez-vous chez {shop} ({service}, {when}) est annulé. L'annulation pour votre agenda est jointe.",
        "Hello! Your appointment at {shop} ({service}, {when}) is cancelled. The cancellation for your calendar is attached.";
    "places", "Dans quelles boutiques", ["item", "places"],
        "On a {item} dans ces boutiques : {places}.",
        "Nous avons {item} dans ces boutiques : {places}.",
        "We have {item} in these shops: {places}.";
    "places_none", "Dans aucune boutique", ["item"],
        "Désolé, on n'a {item} dans aucune de nos boutiques pour le moment.",
        "Désolé, nous n'avons {item} dans aucune de nos boutiques pour le moment.",
        "Sorry, none of our shops has {item} at the moment.";
    "handoff", "Passage à un humain (demande)", [],
        "Bien sûr ! Je transmets à l'équipe, quelqu'un te répond très vite ici.",
        "Bien sûr ! Je transmets à l'équipe, quelqu'un vous répond très vite ici.",
        "Of course! I'm passing you to the team; someone will reply here very soon.";
    "complaint", "Passage à un humain (mécontentement)", [],
        "Je suis vraiment désolé. Je transmets tout de suite à l'équipe, quelqu'un revient vers toi très vite.",
        "Je suis vraiment désolé. Je transmets tout de suite à l'équipe, quelqu'un revient vers vous très vite.",
        "I'm really sorry about this. I'm passing it to the team right away; someone will get back to you very soon.";
    "rephrase", "Question non comprise : demande de reformuler (avant de passer la main)", [],
        "Je ne suis pas sûr d'avoir bien compris. Tu peux reformuler ? Par exemple : « vous avez la robe fleurie en 38 ? » ou « où en est ma commande ? »",
        "Je ne suis pas sûr d'avoir bien compris. Pouvez-vous reformuler ? Par exemple : « vous avez la robe fleurie en 38 ? » ou « où en est ma commande ? »",
        "I'm not sure I understood. Could you rephrase? For example: \"do you have the blue floral dress in 38?\" or \"where is my order?\"";
    "unsure", "Passage à un humain (question non comprise)", [],
        "Bonne question ! Je préfère laisser l'équipe te répondre : quelqu'un revient vers toi très vite.",
        "Bonne question ! Je préfère laisser l'équipe vous répondre : quelqu'un revient vers vous très vite.",
        "Good question! I'd rather let the team answer that: someone will get back to you very soon.";
}

pub fn template(key: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.key == key)
}

/// The built-in text of a template.
pub fn default_text(t: &Template, lang: Lang, tone: Tone) -> &'static str {
    match (lang, tone) {
        (Lang::En, _) => t.en,
        (Lang::Fr, Tone::Tu) => t.fr_tu,
        (Lang::Fr, Tone::Vous) => t.fr_vous,
    }
}

/// The name the shop sees and types for each placeholder: French, like the rest of its
/// pages. The engine's own names are still read, so texts written with them work.
const SHOP_NAMES: &[(&str, &str)] = &[
    ("shop", "boutique"),
    ("item", "article"),
    ("items", "articles"),
    ("count", "quantite"),
    ("until", "jusqu_a"),
    ("it", "pronom_en"),
    ("places", "lieux"),
    ("values", "choix"),
    ("value", "valeur"),
    ("product", "produit"),
    ("price", "prix"),
    ("order", "commande"),
    ("tracking", "suivi"),
    ("carrier", "transporteur"),
    ("number", "numero"),
    ("link", "lien"),
    ("hours", "horaires"),
    ("day", "jour"),
    ("week", "semaine"),
    ("close", "fermeture"),
    ("next", "ouverture"),
    ("address", "adresse"),
    ("phone", "telephone"),
    ("countries", "pays_livres"),
    ("country", "pays"),
    ("policy", "politique"),
    ("is", "verbe_en"),
    ("when", "quand"),
    ("slots", "creneaux"),
    ("old", "ancien_prix"),
];

/// The shop's name for the engine's placeholder `field` ("until" → "jusqu_a").
pub fn shop_name(field: &str) -> &str {
    SHOP_NAMES
        .iter()
        .find(|(engine, _)| *engine == field)
        .map_or(field, |(_, shop)| shop)
}

/// The engine's name for a placeholder typed by the shop, in either naming.
fn engine_name(typed: &str) -> &str {
    SHOP_NAMES
        .iter()
        .find(|(_, shop)| *shop == typed)
        .map_or(typed, |(engine, _)| engine)
}

/// `text` with each placeholder written the shop's way ("{until}" → "{jusqu_a}").
pub fn shop_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        out.push_str(&rest[..=start]);
        out.push_str(shop_name(&after[..end]));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// A placeholder in `text` that the template does not offer, if any, in the shop's
/// naming.
pub fn unknown_field(t: &Template, text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !t.fields.contains(&engine_name(name)) {
            return Some(name.to_string());
        }
        rest = &after[end + 1..];
    }
    None
}

/// `text` with `{name}` replaced by `value`, capitalised where it starts a sentence
/// ("la Robe…" → "La Robe… : 89 €").
fn fill(text: &str, name: &str, value: &str) -> String {
    let key = format!("{{{name}}}");
    let mut out = String::with_capacity(text.len() + value.len());
    let mut rest = text;
    while let Some(at) = rest.find(&key) {
        out.push_str(&rest[..at]);
        let before = out.trim_end();
        // A sentence starts with a capital, a link as it is.
        if (before.is_empty() || before.ends_with(['.', '!', '?'])) && !value.starts_with("http") {
            let mut chars = value.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push_str(value);
        }
        rest = &rest[at + key.len()..];
    }
    out.push_str(rest);
    out
}

/// The shop's rewritten templates, by key and language.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    pub custom: HashMap<(String, Lang), String>,
}

impl Templates {
    /// Renders `key` in `lang` with the shop's text or the built-in one.
    pub fn render(&self, key: &str, lang: Lang, tone: Tone, vars: &[(&str, &str)]) -> String {
        let text = match self.custom.get(&(key.to_string(), lang)) {
            Some(custom) => custom.as_str(),
            None => template(key).map_or("", |t| default_text(t, lang, tone)),
        };
        let mut out = text.to_string();
        for (name, value) in vars {
            out = fill(&out, name, value);
            out = fill(&out, shop_name(name), value);
        }
        // Collapse the gap an empty complement leaves ("… {tracking}" with no tracking);
        // lines stay (an e-mail's paragraphs).
        out.lines()
            .map(|line| line.split_ascii_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_uses_only_its_fields_in_each_language_and_tone() {
        for t in TEMPLATES {
            for text in [t.fr_tu, t.fr_vous, t.en] {
                assert_eq!(unknown_field(t, text), None, "{}", t.key);
                assert!(!text.is_empty(), "{}", t.key);
            }
            assert_eq!(
                TEMPLATES.iter().filter(|o| o.key == t.key).count(),
                1,
                "{} twice",
                t.key
            );
        }
    }

    #[test]
    fn the_shops_text_wins_and_facts_fill_in() {
        let mut templates = Templates::default();
        let vars = [("shop", "Élégance Paris")];
        assert_eq!(
            templates.render("thanks", Lang::Fr, Tone::Vous, &vars),
            "Avec plaisir ! À très bientôt chez Élégance Paris 😊"
        );
        templates.custom.insert(
            ("thanks".into(), Lang::Fr),
            "Merci à vous, l'équipe {shop}".into(),
        );
        assert_eq!(
            templates.render("thanks", Lang::Fr, Tone::Tu, &vars),
            "Merci à vous, l'équipe Élégance Paris"
        );
        assert_eq!(
            templates.render("thanks", Lang::En, Tone::Tu, &vars),
            "You're welcome! See you soon at Élégance Paris 😊",
            "English keeps the built-in text"
        );
    }

    #[test]
    fn a_misspelt_placeholder_is_caught() {
        let t = template("reserved").unwrap();
        assert_eq!(unknown_field(t, "{item} until {util}"), Some("util".into()));
        assert_eq!(unknown_field(t, "{item} until {until}"), None);
        assert_eq!(unknown_field(t, "{article} jusqu'à {jusqu_a}"), None);
        assert_eq!(unknown_field(t, "{article} {prix}"), Some("prix".into()));
    }

    #[test]
    fn the_shop_writes_placeholders_in_french_and_old_names_still_work() {
        for t in TEMPLATES {
            for f in t.fields {
                let name = shop_name(f);
                assert!(
                    name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{f} → {name}"
                );
                assert_eq!(engine_name(name), *f);
            }
        }
        assert_eq!(
            shop_text("Jusqu'à {until} chez {shop} {le}"),
            "Jusqu'à {jusqu_a} chez {boutique} {le}"
        );
        let mut templates = Templates::default();
        let vars = [("shop", "Élégance Paris")];
        for (text, lang) in [
            ("À bientôt chez {boutique}", Lang::Fr),
            ("See you at {shop}", Lang::En),
        ] {
            templates
                .custom
                .insert(("thanks".into(), lang), text.into());
        }
        assert_eq!(
            templates.render("thanks", Lang::Fr, Tone::Vous, &vars),
            "À bientôt chez Élégance Paris"
        );
        assert_eq!(
            templates.render("thanks", Lang::En, Tone::Vous, &vars),
            "See you at Élégance Paris"
        );
    }
}

//! Messages as people format them, in the real window: Markdown and a
//! highlighted code block drawn from what someone on another client wrote,
//! links opened in the system browser (a masked one only after saying where
//! it goes), a reply's quote leading to its original, and the composer's
//! preview.

use super::{WAIT, eventually, harness::Desktop, minji_and_bob};
use crate::common::TestServer;

#[tokio::test(flavor = "multi_thread")]
async fn reads_formatted_messages_and_opens_links_with_care() {
    let server = TestServer::start().await;
    let desktop = Desktop::start(&server.url).await;
    let (bob, general) = minji_and_bob(&desktop, &server, "Rustaceans").await;

    // Bob asks a question, chats on, and answers his own question later.
    bob.client.send(general, "what does `?` do in **Rust**?", None).await.unwrap();
    let question = eventually("Bob's question delivered", WAIT, || async {
        bob.history(general).await.iter().find(|m| m.body.contains("what does")).map(|m| m.id)
    })
    .await;
    for line in ["lunch first", "~~pizza~~ ||ramen||, see [the menu](https://evil.example/login)"] {
        bob.client.send(general, line, None).await.unwrap();
    }
    // (Within the free plan's 150 characters.)
    let answer = "Returns on error:\n```rust\nfn f() -> Res<()> {\n    read(\"a\")?;\n    Ok(())\n}\n```\n> see https://doc.rust-lang.org/book/\n- short\n- clear";
    bob.client.send(general, answer, Some(question)).await.unwrap();

    // Drawn formatted, the code highlighted (its chunk loads on demand).
    desktop.wait_text(".message .body strong", "Rust").await;
    desktop.wait_text(".message .body code", "?").await;
    desktop.wait_text(".message .body s", "pizza").await;
    desktop.wait_text(".message .body pre.code-block[data-lang='rust'] .hljs-keyword", "fn").await;
    desktop.wait_text(".message .body blockquote a", "https://doc.rust-lang.org/book/").await;
    assert_eq!(desktop.texts(".message .body li").await, ["short", "clear"]);
    // A spoiler hides its words until clicked.
    let hidden = desktop.js("return getComputedStyle(document.querySelector('.spoiler')).color").await;
    assert_eq!(hidden, "rgba(0, 0, 0, 0)", "a spoiler's text is transparent");
    desktop.click(".spoiler").await;
    desktop.find(".spoiler.shown").await;
    desktop.screenshot("markdown").await;

    // A bare link opens in the browser at once.
    let before = desktop.opened_in_browser().len();
    desktop.click(".message .body blockquote a").await;
    eventually("the browser to open the book", WAIT, || async {
        desktop.opened_in_browser().get(before).filter(|u| u.starts_with("https://doc.rust-lang.org/book")).cloned()
    })
    .await;
    // A masked link says where it goes, and opens only when told to.
    desktop.click(".message .body a.masked").await;
    desktop.wait_text("[role='dialog'] .link-target", "https://evil.example/login").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(desktop.opened_in_browser().len(), before + 1, "nothing opened before the person agreed");
    desktop.click("#open-link").await;
    eventually("the browser to open the masked link", WAIT, || async {
        desktop.opened_in_browser().get(before + 1).filter(|u| u.as_str() == "https://evil.example/login").cloned()
    })
    .await;
    desktop.wait_gone("[role='dialog']").await;

    // The answer's quote leads to the question, lit up for a moment.
    desktop.click(".message .reply-quote").await;
    desktop.wait_text(".message.highlighted .body", "what does ? do in Rust?").await;

    // Any emoji as a reaction, found by its Korean name in the full picker.
    desktop.js("document.querySelector('.message.highlighted .actions .react').click()").await;
    desktop.type_into(".emoji-picker .emoji-search", "파티").await;
    desktop.find(".emoji-picker .emoji-grid [data-emoji='🎉']").await;
    desktop.screenshot("emoji-picker").await;
    desktop.click(".emoji-picker .emoji-grid [data-emoji='🎉']").await;
    desktop.wait_gone(".emoji-picker").await;
    desktop.wait_text(".message .reaction.mine", "🎉 1").await;
    eventually("Bob's app to see Minji's reaction", WAIT, || async {
        bob.history(general)
            .await
            .iter()
            .any(|m| m.id == question && m.reactions.iter().any(|r| r.emoji == "🎉" && r.count == 1))
            .then_some(())
    })
    .await;
    // Bob joins in; resting on the reaction says who gave it.
    bob.client.react(general, question, "🎉").await.unwrap();
    desktop.wait_text(".message .reaction.mine", "🎉 2").await;
    let who = bob.client.reactors(general, question, "🎉").await.unwrap();
    let who: Vec<&str> = who.iter().map(|u| u.display_name.as_str()).collect();
    assert_eq!(who, ["Minji", "Bob"], "through pq-core too, the first to react first");
    desktop
        .js("document.querySelector('.reaction.mine').dispatchEvent(new MouseEvent('mouseover', { bubbles: true }))")
        .await;
    desktop.wait_text(".reaction.mine [role='tooltip']", "Minji, Bob reacted with 🎉").await;

    // `:wave:` in the composer becomes 👋 when sent.
    desktop.type_into("#composer", "bye :wave:").await;
    desktop.enter("#composer").await;
    eventually("Bob to get a wave", WAIT, || async {
        bob.history(general).await.iter().any(|m| m.body == "bye 👋").then_some(())
    })
    .await;

    // The composer shows what formatting will look like, and sends it as typed.
    desktop.type_into("#composer", "thanks, **very** clear").await;
    desktop.wait_text(".composer .preview strong", "very").await;
    desktop.enter("#composer").await;
    eventually("Bob to get Minji's thanks as typed", WAIT, || async {
        bob.history(general).await.iter().any(|m| m.body == "thanks, **very** clear").then_some(())
    })
    .await;
    desktop.wait_gone(".composer .preview").await;
}

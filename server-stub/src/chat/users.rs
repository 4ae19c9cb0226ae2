//! Accounts, profiles, plans, administrators' toasts, and uploaded images.

use bytes::Bytes;
use pq_protocol::{
    MessageId, ServerId, Timestamp, UserId,
    gateway::Event,
    limits::{
        MAX_ABOUT_CHARS, MAX_CUSTOM_STATUS_CHARS, MAX_DISPLAY_NAME_CHARS, MAX_IMAGE_BYTES, MAX_TOAST_CHARS, Plan,
        USERNAME_CHARS,
    },
    models::{CustomStatus, Me, Profile, StatusChoice, Toast, UpdateProfile, User},
};
use sha2::{Digest, Sha256};

use super::{
    Chat,
    directory::Effect,
    store::{Account, NewAccount, ProfileChange},
    validate,
    writer::Tx,
};
use crate::{
    error::{ApiError, ApiResult},
    gateway::Audience,
};

/// The address (SHA-256, hex) and content type of an uploaded image.
///
/// # Errors
/// 413 over 2 MiB; 415 when it is not PNG, JPEG, GIF or WebP.
pub fn media_id(body: &[u8]) -> ApiResult<(String, &'static str)> {
    if body.len() > MAX_IMAGE_BYTES {
        return Err(ApiError::PayloadTooLarge { limit: MAX_IMAGE_BYTES });
    }
    let content_type = pq_protocol::limits::image_type(body).ok_or(ApiError::UnsupportedMedia)?;
    Ok((hex::encode(Sha256::digest(body)), content_type))
}

/// The account of an identity, created on first sight; records whether the
/// issuer now puts it in group `admin`. Returns its id.
///
/// # Errors
/// Storage failure.
pub fn ensure_account(tx: &mut Tx<'_>, new: NewAccount) -> ApiResult<UserId> {
    if let Some((id, was_admin)) = tx.store().account_by_subject(&new.issuer, &new.subject)? {
        if was_admin != new.is_admin {
            tx.store().set_admin(id, new.is_admin)?;
        }
        return Ok(id);
    }
    let mut new = new;
    if new.username.is_none() {
        new.username = Some(free_username(tx, &new)?);
    }
    tx.store().insert_account(&new)?;
    tracing::info!(user_id = %new.id, issuer = %new.issuer, "new account");
    Ok(new.id)
}

/// A username no one has, made from the email's local part (or the name):
/// `minji`, else `minji2`, `minji3`…
fn free_username(tx: &mut Tx<'_>, new: &NewAccount) -> ApiResult<String> {
    let source = new.email.as_deref().and_then(|e| e.split('@').next()).unwrap_or(&new.display_name);
    let mut base: String = source
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .take(*USERNAME_CHARS.end() - 4)
        .collect();
    if base.len() < *USERNAME_CHARS.start() {
        base = "user".into();
    }
    for n in 1..1000 {
        let candidate = if n == 1 { base.clone() } else { format!("{base}{n}") };
        if tx.store().account_by_username(&candidate)?.is_none() {
            return Ok(candidate);
        }
    }
    Ok(format!("user{}", &new.id.to_string().replace('-', "")[20..]))
}

/// A username as given (2–32 of `A-Za-z0-9_.`, nothing around it), stored
/// lowercase.
///
/// # Errors
/// 422 otherwise.
pub fn username(raw: &str) -> ApiResult<String> {
    let ok =
        USERNAME_CHARS.contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if !ok {
        return Err(ApiError::InvalidField {
            field: "username",
            message: "a username is 2 to 32 letters, digits, _ or .".into(),
        });
    }
    Ok(raw.to_ascii_lowercase())
}

/// Changes one's profile (validated already); tells everyone who sees it.
///
/// # Errors
/// 404 for an unknown account.
pub fn update_profile(tx: &mut Tx<'_>, user: UserId, change: &ProfileChange) -> ApiResult<Me> {
    if let Some(name) = &change.username
        && tx.store().account_by_username(name)?.is_some_and(|owner| owner != user)
    {
        return Err(ApiError::Conflict(format!("the username {name} is taken")));
    }
    tx.store().update_profile(user, change)?;
    if let Some(allow) = change.allow_server_dms {
        tx.apply(Effect::SetServerDms { user, allow });
    }
    let account = tx.store().account(user)?.ok_or(ApiError::NotFound("user"))?;
    if change.shows() {
        tx.emit(Audience::SharingWith(user), Event::UserUpdated { user: account.user.clone() });
    }
    tx.emit(Audience::User(user), Event::MeUpdated { me: account.me() });
    Ok(account.me())
}

impl Chat {
    /// The account of a verified identity (`lookup` answers from the read
    /// pool; a new account or a changed admin flag goes through the writer).
    ///
    /// # Errors
    /// Storage failure.
    pub async fn account_of(&self, issuer: String, subject: String, is_admin: bool) -> ApiResult<Option<UserId>> {
        let found = self.reads.read(move |s| s.account_by_subject(&issuer, &subject)).await?;
        Ok(match found {
            Some((id, was_admin)) if was_admin == is_admin => Some(id),
            Some((id, _)) => {
                self.writer.run(move |tx| Ok(tx.store().set_admin(id, is_admin)?)).await?;
                Some(id)
            }
            None => None,
        })
    }

    /// Creates the account of an identity seen for the first time (or finds
    /// the one a concurrent first request created).
    ///
    /// # Errors
    /// Storage failure.
    pub async fn create_account(&self, new: NewAccount) -> ApiResult<UserId> {
        self.writer.run(move |tx| ensure_account(tx, new)).await
    }

    /// One's own account.
    ///
    /// # Errors
    /// 404 for an unknown account.
    pub async fn me(&self, user: UserId) -> ApiResult<Me> {
        Ok(self.account(user).await?.me())
    }

    async fn account(&self, user: UserId) -> ApiResult<Account> {
        self.reads.read(move |s| s.account(user)?.ok_or(ApiError::NotFound("user"))).await
    }

    /// Someone the caller shares a server with, has a friendship or a
    /// request with, or blocked (or the caller).
    ///
    /// # Errors
    /// 404 for anyone else.
    pub async fn user(&self, user: UserId, target: UserId) -> ApiResult<User> {
        if !self.dir.read().knows(user, target) {
            return Err(ApiError::NotFound("user"));
        }
        Ok(self.account(target).await?.user)
    }

    /// What `viewer` sees on `target`'s card: their about text and the
    /// servers both are in (in `viewer`'s order).
    ///
    /// # Errors
    /// 404 for someone `viewer` does not know (see [`Chat::user`]).
    pub async fn profile(&self, viewer: UserId, target: UserId) -> ApiResult<Profile> {
        let mutual_servers: Vec<ServerId> = {
            let dir = self.dir.read();
            if !dir.knows(viewer, target) {
                return Err(ApiError::NotFound("user"));
            }
            dir.servers_of(viewer).filter(|s| dir.is_member(*s, target)).collect()
        };
        let account = self.account(target).await?;
        Ok(Profile { user: account.user, username: account.username, about: account.about, mutual_servers })
    }

    /// Changes one's profile (validated here: names as [`validate::name`],
    /// the about text up to 190 characters with line breaks, a custom status
    /// up to 128 characters; an empty about or status text removes it, a
    /// status whose moment has passed too).
    ///
    /// # Errors
    /// 422 for bad values.
    pub async fn update_profile(&self, user: UserId, req: UpdateProfile) -> ApiResult<Me> {
        let now = self.hub.clock().timestamp();
        let change = ProfileChange {
            display_name: req
                .display_name
                .as_deref()
                .map(|n| validate::name("display_name", n, MAX_DISPLAY_NAME_CHARS))
                .transpose()?,
            username: req.username.as_deref().map(username).transpose()?,
            avatar_url: req.avatar_url.as_deref().map(|u| validate::image_url("avatar_url", u)).transpose()?,
            about: req
                .about
                .as_deref()
                .map(|a| validate::optional_text("about", a, MAX_ABOUT_CHARS, true))
                .transpose()?,
            custom_status: req
                .custom_status
                .map(|cs| {
                    let text = validate::optional_text("custom_status.text", &cs.text, MAX_CUSTOM_STATUS_CHARS, false)?;
                    Ok::<_, ApiError>(
                        text.map(|text| CustomStatus { text, expires_at: cs.expires_at }).filter(|c| c.is_live(now)),
                    )
                })
                .transpose()?,
            allow_server_dms: req.allow_server_dms,
        };
        self.writer.run(move |tx| update_profile(tx, user, &change)).await
    }

    /// Chooses the status others see, on every connection, from now on.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn set_status(&self, user: UserId, status: StatusChoice) -> ApiResult<()> {
        self.writer
            .run(move |tx| {
                tx.store().set_status(user, status)?;
                tx.emit(Audience::User(user), Event::StatusChanged { status });
                Ok(())
            })
            .await?;
        self.hub.set_status(user, status);
        Ok(())
    }

    /// The status `user` chose (`auto` for an unknown account).
    ///
    /// # Errors
    /// Storage failure.
    pub async fn status_of(&self, user: UserId) -> ApiResult<StatusChoice> {
        Ok(self.reads.read(move |s| s.account(user)).await?.map_or(StatusChoice::Auto, |a| a.status))
    }

    /// Stores an uploaded image and makes it one's picture.
    ///
    /// # Errors
    /// 413, 415.
    pub async fn upload_avatar(&self, user: UserId, body: Bytes) -> ApiResult<Me> {
        let (id, content_type) = media_id(&body)?;
        self.writer
            .run(move |tx| {
                let now = tx.now();
                tx.store().insert_media(&id, content_type, &body, user, now)?;
                update_profile(
                    tx,
                    user,
                    &ProfileChange { avatar_url: Some(Some(format!("/media/{id}"))), ..Default::default() },
                )
            })
            .await
    }

    /// An uploaded image, its content type and bytes, for someone who may
    /// see it (see [`super::store::Store::media_for`]).
    ///
    /// # Errors
    /// 404, also for an image the viewer may not see (nothing is told).
    pub async fn media(&self, viewer: UserId, id: String, invite: Option<String>) -> ApiResult<(String, Vec<u8>)> {
        if !pq_protocol::limits::is_media_id(&id) {
            return Err(ApiError::NotFound("image"));
        }
        let now = self.hub.clock().timestamp();
        self.reads
            .read(move |s| s.media_for(&id, viewer, invite.as_deref(), now)?.ok_or(ApiError::NotFound("image")))
            .await
    }

    /// Gives someone a plan (pq administrators; payments will too).
    ///
    /// # Errors
    /// 404 for an unknown account.
    pub async fn set_plan(&self, target: UserId, plan: Plan) -> ApiResult<()> {
        self.writer
            .run(move |tx| {
                let before = tx.store().account(target)?.ok_or(ApiError::NotFound("user"))?.plan;
                tx.store().set_plan(target, plan)?;
                // An administrator's plan has no period: it holds until changed.
                tx.store().put_membership(target, None)?;
                if before == plan {
                    tx.emit(Audience::User(target), Event::PlanChanged { plan });
                }
                super::payments::announce(tx, target, before)
            })
            .await
    }

    /// A page of accounts for pq administrators (the caller checked who
    /// asks), newest first, and how many each plan has.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn admin_accounts(
        &self,
        plan: Option<Plan>,
        before: Option<UserId>,
        limit: usize,
    ) -> ApiResult<pq_protocol::models::AdminAccounts> {
        let ((accounts, has_more), counts) = self
            .reads
            .read(move |s| {
                Ok::<_, crate::chat::store::StoreError>((s.admin_accounts(plan, before, limit)?, s.plan_counts()?))
            })
            .await?;
        let plans = [Plan::Free, Plan::Basic, Plan::Premium]
            .into_iter()
            .map(|p| pq_protocol::models::PlanCount {
                plan: p,
                accounts: counts.iter().find(|(q, _)| *q == p).map_or(0, |(_, n)| *n),
            })
            .collect();
        Ok(pq_protocol::models::AdminAccounts { accounts, has_more, plans })
    }

    /// Sends a real-time toast to everyone connected (pq administrators).
    ///
    /// # Errors
    /// 422 for a bad text.
    pub async fn toast(&self, from: UserId, text: &str) -> ApiResult<Toast> {
        let text = validate::name("text", text, MAX_TOAST_CHARS)?;
        let from = self.account(from).await?.user;
        let toast = Toast { id: MessageId::new(), text, from, created_at: Timestamp::now() };
        self.hub.dispatch(Audience::Everyone, Event::Toast { toast: toast.clone() });
        Ok(toast)
    }
}

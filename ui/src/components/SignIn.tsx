import { cancelSignIn, rebuildCache, signIn } from "../state/actions";
import { useStore } from "../state/store";
import { useT } from "./common";

export function SignIn() {
  const t = useT();
  const signingIn = useStore((s) => s.signingIn);
  const error = useStore((s) => s.signInError);
  return (
    <div className="centered">
      <div className="card signin">
        <div className="logo" aria-hidden>
          pq
        </div>
        <h1>{t("signin.title")}</h1>
        <p className="muted">{t("signin.subtitle")}</p>
        {signingIn ? (
          <div className="waiting" role="status">
            <div className="spinner" aria-hidden />
            <p>{t("signin.waiting")}</p>
            <button className="secondary" onClick={() => void cancelSignIn()}>
              {t("signin.cancel")}
            </button>
          </div>
        ) : (
          <div className="providers">
            <button id="signin-google" className="provider google" onClick={() => void signIn("Google")}>
              {t("signin.google")}
            </button>
            <button id="signin-kakao" className="provider kakao" onClick={() => void signIn("Kakao")}>
              {t("signin.kakao")}
            </button>
            <button id="signin-other" className="link" onClick={() => void signIn(null)}>
              {t("signin.other")}
            </button>
          </div>
        )}
        {error && (
          <p className="error" role="alert">
            {t("signin.failed", { reason: error })}
          </p>
        )}
      </div>
    </div>
  );
}

export function CacheProblem({ message }: { message: string }) {
  const t = useT();
  return (
    <div className="centered">
      <div className="card">
        <h1>{t("cache.title")}</h1>
        <p className="error">{message}</p>
        <p className="muted">{t("cache.explain")}</p>
        <button onClick={() => void rebuildCache()}>{t("cache.rebuild")}</button>
      </div>
    </div>
  );
}

import { useEffect } from "react";
import { CacheProblem, SignIn } from "./components/SignIn";
import { ChannelList, ServerRail } from "./components/Sidebar";
import { MessageView } from "./components/Messages";
import { CallView } from "./components/Call";
import { FriendsView } from "./components/Friends";
import { DmView, RingingBanner } from "./components/Dms";
import { CardLayer, ConnectionBanner, Dialogs, Header, MemberList, PinsPanel, SearchResults, Toasts } from "./components/Panels";
import { Viewer } from "./components/Files";
import { useStore } from "./state/store";

export function App() {
  const info = useStore((s) => s.info);
  const theme = useStore((s) => s.theme);
  const lang = useStore((s) => s.lang);
  const callView = useStore((s) => s.callView && s.call !== null);
  const home = useStore((s) => s.home);
  const dmOpen = useStore((s) => s.dmId !== null);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    document.documentElement.lang = lang;
  }, [theme, lang]);
  if (!info) return <div className="centered"><div className="spinner" /></div>;
  if (info.startup_error) return <CacheProblem message={info.startup_error} />;
  if (!info.me) return (<><SignIn /><Toasts /></>);
  return (
    <div className="app">
      <ServerRail />
      <ChannelList />
      <div className="main">
        <ConnectionBanner />
        {home && !callView ? (
          dmOpen ? <DmView /> : <FriendsView />
        ) : (
          <>
            <Header />
            <div className="body-row">
              <div className="center-col">
                {callView ? (
                  <CallView />
                ) : (
                  <>
                    <SearchResults />
                    <PinsPanel />
                    <MessageView />
                  </>
                )}
              </div>
              <MemberList />
            </div>
          </>
        )}
      </div>
      <RingingBanner />
      <CardLayer />
      <Dialogs />
      <Toasts />
      <Viewer />
    </div>
  );
}

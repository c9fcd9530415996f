// The integration's own words that the API sends as values (member states, run statuses, plan actions and
// results, erasure statuses, history kinds, the sync's reasons) shown in the page's language. A value the
// catalogue does not know yet is shown as sent, never hidden.
import { useTranslation } from "react-i18next";

export type VocabularyGroup = "state" | "runStatus" | "action" | "result" | "erasure" | "kind";

/** The sync's fixed reasons (plugins/cleverreach/sync/*.py), by their English text as stored. */
export const REASONS: Record<string, string> = {
  "missing e-mail": "missingEmail",
  "unsubscribed in CleverReach": "unsubscribed",
  "unsubscribed in CleverReach under a previous address": "unsubscribedBefore",
  "unsubscribed (recorded in the CRM); not added again": "unsubscribedInCrm",
  "bounced in CleverReach": "bounced",
  "waiting for the double opt-in confirmation in CleverReach": "awaitingOptIn",
  "contact changed in the CRM after the last sync; the next sync writes it": "changed",
  "deleted or anonymised in the CRM": "deleted",
  "no marketing (flag in the CRM)": "noMarketing",
};
const INVALID_EMAIL = "invalid e-mail: ";

export function useWords() {
  const { t, i18n } = useTranslation();
  const word = (group: VocabularyGroup, value: string | null | undefined): string => {
    if (!value) return "";
    const key = `vocab.${group}.${value}`;
    return i18n.exists(key) ? t(key) : value;
  };
  const reason = (text: string | null | undefined): string => {
    if (!text) return "";
    const known = REASONS[text];
    if (known) return t(`vocab.reason.${known}`);
    if (text.startsWith(INVALID_EMAIL)) return t("vocab.reason.invalidEmail", { detail: text.slice(INVALID_EMAIL.length) });
    return text;
  };
  return { word, reason };
}

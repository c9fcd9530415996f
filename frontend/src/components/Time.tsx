import { useTranslation } from "react-i18next";

import { formatZoned } from "src/time/format";

/** A time as the API sent it, labelled with its zone (never re-labelled as UTC). */
export function ZonedTime({ value, zone }: { value: string | null | undefined; zone: string | null | undefined }) {
  const { i18n } = useTranslation();
  if (!value) return null;
  return (
    <time dateTime={value} data-zone={zone ?? undefined}>
      {formatZoned(value, zone, i18n.language)}
    </time>
  );
}

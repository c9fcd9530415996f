// Loading, empty and error states, the same on every screen.
import { Alert, Box, EmptyState, Spinner, Text, VStack } from "@chakra-ui/react";
import { useTranslation } from "react-i18next";

import { ApiError } from "src/api/client";

export function Loading() {
  const { t } = useTranslation();
  return (
    <VStack py={8} data-testid="loading" aria-busy="true">
      <Spinner size="lg" colorPalette="blue" />
      <Text color="fg.muted">{t("common.loading")}</Text>
    </VStack>
  );
}

export function Empty({ title, hint }: { title: string; hint?: string }) {
  return (
    <EmptyState.Root size="sm" data-testid="empty">
      <EmptyState.Content>
        <VStack textAlign="center">
          <EmptyState.Title>{title}</EmptyState.Title>
          {hint ? <EmptyState.Description>{hint}</EmptyState.Description> : null}
        </VStack>
      </EmptyState.Content>
    </EmptyState.Root>
  );
}

/** An error in the page's language; the server's own words (English) follow as the detail. */
export function ErrorNote({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const status = error instanceof ApiError ? error.status : 0;
  const known = [401, 403, 404, 409, 415, 422, 429, 500, 502, 503];
  const title = known.includes(status) ? t(`errors.${status}`) : t("errors.other", { status });
  const detail = error instanceof Error ? error.message : String(error);
  return (
    <Alert.Root status="error" my={3} data-testid="error">
      <Alert.Indicator />
      <Box>
        <Alert.Title>{title}</Alert.Title>
        {detail ? <Alert.Description>{detail}</Alert.Description> : null}
      </Box>
    </Alert.Root>
  );
}

// A screen: breadcrumbs (tenants → tenant → list), a title and its actions, then the screen's body.
import { Breadcrumb, Flex, Heading, Stack } from "@chakra-ui/react";
import type { ReactNode } from "react";
import { Link as RouterLink } from "react-router-dom";

export interface Crumb {
  label: string;
  to?: string;
}

export function Frame({ crumbs, title, actions, children }: { crumbs: Crumb[]; title: ReactNode; actions?: ReactNode; children: ReactNode }) {
  return (
    <Stack gap={4} p={2} data-testid="screen">
      <Breadcrumb.Root size="sm" data-testid="breadcrumbs">
        <Breadcrumb.List>
          {crumbs.map((crumb, index) => (
            <Breadcrumb.Item key={`${index}-${crumb.label}`}>
              {crumb.to && index < crumbs.length - 1 ? (
                <>
                  <Breadcrumb.Link asChild><RouterLink to={crumb.to}>{crumb.label}</RouterLink></Breadcrumb.Link>
                </>
              ) : (
                <Breadcrumb.CurrentLink>{crumb.label}</Breadcrumb.CurrentLink>
              )}
              {index < crumbs.length - 1 ? <Breadcrumb.Separator /> : null}
            </Breadcrumb.Item>
          ))}
        </Breadcrumb.List>
      </Breadcrumb.Root>
      <Flex justify="space-between" align="center" gap={4} wrap="wrap">
        <Heading size="lg" as="h2" data-testid="title">{title}</Heading>
        {actions ? <Flex gap={2} wrap="wrap">{actions}</Flex> : null}
      </Flex>
      {children}
    </Stack>
  );
}

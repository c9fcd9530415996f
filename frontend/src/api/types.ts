// The shapes the page's API answers with (plugins/cleverreach/ui/routers). Times are ISO 8601 with an offset, in
// the tenant's zone named by time_zone.

export type Permission = "view" | "manage_lists" | "run_syncs" | "approve_mass_removal" | "administer";

export interface Me {
  user: string;
  permissions: Permission[];
  tenants: string[] | null;
}

export interface LoginCheck {
  ok: boolean;
  checked_at: string;
  checked_by: string | null;
  message: string | null;
}

export interface Tenant {
  id: string;
  name: string;
  cleverreach_conn_id: string;
  lists: number;
  time_zone: string;
  login_check: LoginCheck | null;
}

export interface RecipientList {
  id: string;
  name: string;
  short_description: string | null;
  external_id: string;
  remote_member_count: number | null;
  gone_at?: string | null;
}

export interface Translation {
  language: string;
  name: string;
  short_description: string | null;
  changed_at: string | null;
  changed_by: string | null;
}

export interface SyncRun {
  id: number;
  status: string;
  dry_run: boolean;
  scope?: string | null; // "full": the whole group read; "changes": only the changed contacts' receivers
  started_at: string | null;
  finished_at: string | null;
  added: number;
  updated: number;
  removed: number;
  rejected: number;
  alert: string | null;
  message: string | null;
  dag_id: string | null;
  run_id: string | null;
  link: string | null;
}

export interface ListDetail extends RecipientList {
  time_zone: string;
  translations: Translation[];
  member_counts: Record<string, number>;
  last_sync: SyncRun | null;
}

export interface Member {
  contact_person_id: string;
  salutation: string | null;
  first_name: string | null;
  last_name: string | null;
  function: string | null;
  email: string | null;
  sync_state: string;
  sync_error: string | null;
  added_at: string | null;
  synchronised: boolean;
}

export interface MemberPage {
  rows: Member[];
  before: string | null;
  after: string | null;
  time_zone: string;
}

export interface TriggeredRun {
  dag_id: string;
  dag_run_id: string;
  link: string | null;
}

// ---------------------------------------------------------------- a tenant's audit trail, administration, access

export interface AuditEvent {
  id: number;
  occurred_at: string;
  tenant_id: string;
  list_id: string | null;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
  dag_id: string | null;
  run_id: string | null;
}

export interface AuditPage {
  rows: AuditEvent[];
  limit: number;
  /** the id to ask for the older page with (before=), null at the oldest */
  before: number | null;
  /** the id to ask for the newer page with (after=), null at the newest */
  after: number | null;
  time_zone: string | null;
}

export interface RenameResult {
  action: "rename";
  tenant_id: string;
  new_tenant_id: string;
  changed: boolean;
  rows: Record<string, number>;
}

export interface MoveResult {
  action: "move";
  tenant_id: string;
  released_accounts: string[];
  lists: number;
  lists_marked_gone?: number;
  members_pending?: number;
  [count: string]: unknown;
}

export interface ErasureCreated {
  reference: string;
  contacts: number;
  emails: number;
  dag_id: string;
  dag_run_id: string;
  link: string | null;
  time_zone?: string | null;
}

export interface ErasureState {
  reference: string;
  tenant_id: string;
  status: string;
  requested_by: string | null;
  requested_at: string | null;
  counts: Record<string, unknown> | null;
  dag_id: string | null;
  dag_run_id: string | null;
  finished_at: string | null;
  purged: boolean;
  purged_at: string | null;
  time_zone?: string | null;
}

export interface TenantGrant {
  username: string;
  tenant_id: string;
  granted_at: string | null;
  granted_by: string | null;
  time_zone?: string | null;
}

// ---------------------------------------------------------------- the list screen
/** An answer that names the tenant's zone (the lead adds time_zone to runs and plans; absent → null). */
export type Zoned<T> = T & { time_zone?: string | null };

export interface HistoryContact {
  id: string;
  salutation?: string | null;
  first_name: string | null;
  last_name: string | null;
  function?: string | null;
  email?: string | null;
  address_name?: string | null;
}

export interface HistoryEvent {
  occurred_at: string | null;
  kind: string;
  subject: string | null;
  detail: string | null;
  source?: string | null;
}

export interface ContactHistory {
  contact: HistoryContact;
  page: number;
  page_size: number;
  time_zone: string | null;
  events: HistoryEvent[];
}

export interface Vocabulary {
  letter: string[];
  tag: string[];
  category: string[];
  sales_process: string[];
}

export interface PreviewRow {
  contact_person_id: string;
  name: string | null;
  city: string | null;
  email: string | null;
  valid_email: boolean;
}

export interface Preview {
  count: number;
  without_valid_email: number;
  rows: PreviewRow[];
  filters: string;
}

export interface SyncChange {
  id: number;
  action: string;
  reason: string | null;
  contact_person_id: string | null;
  email: string | null;
  old_value: string | null;
  new_value: string | null;
  result: string | null;
  error: string | null;
}

export interface SyncPlan {
  run: Zoned<SyncRun>;
  counts: Record<string, number>;
  changes: { rows: SyncChange[]; total: number; page: number; page_size: number; pages: number };
  time_zone?: string | null;
}

export interface RemovalStarted extends TriggeredRun {
  contact_ids?: number;
}

// Scaffold: replaced by the screen itself.
export function TenantScreen() {
  return null;
}

// Scaffold: replaced by the screen itself.
export function ListScreen() {
  return null;
}

// Scaffold: replaced by the screen itself.
export function AccessScreen() {
  return null;
}

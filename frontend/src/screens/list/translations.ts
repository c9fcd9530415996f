// What the Sprachen tab accepts as a language: the API's pattern (schemas.LANGUAGE_PATTERN), so a typo is shown
// at the field instead of coming back as a 422.
export const LANGUAGE = /^[a-z]{2,3}(-[A-Z]{2})?$/;

export function isLanguage(text: string): boolean {
  return LANGUAGE.test(text.trim());
}

export function PharmacistPanel() {
  return <p>…</p>;
}

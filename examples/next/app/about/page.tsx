export default function About() {
  return (
    <>
      <h1>About</h1>
      <p>Links between pages prefetch and navigate with RSC requests: those are not page views.</p>
    </>
  );
}

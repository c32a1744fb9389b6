export default function Home() {
  return (
    <>
      <h1>Home</h1>
      <p>This visit was tracked on the server by the proxy, before this page rendered.</p>
      <img src="/logo.svg" alt="" width={32} height={32} />
    </>
  );
}

// Draws the chart of /-/trends from the Vega-Lite spec the page carries as JSON data.
// A file rather than an inline script, so that the Content-Security-Policy can refuse
// every script that is not one of this server's files; `ast: true` makes Vega interpret
// its expressions instead of compiling them with eval, which that policy forbids too.
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("trend-spec");  // absent when the page has a message instead
  if (data) {
    vegaEmbed("#chart", JSON.parse(data.textContent), {actions: false, renderer: "svg", ast: true});
  }
});

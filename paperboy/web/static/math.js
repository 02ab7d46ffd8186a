// Typesets $...$ in titles and abstracts (elements with class "math") with the vendored KaTeX.
// Without JavaScript, or if KaTeX fails, the raw LaTeX stays as plain text.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof window.renderMathInElement !== "function") {
    return;
  }
  var options = {
    delimiters: [
      {left: "$$", right: "$$", display: true},
      {left: "\\[", right: "\\]", display: true},
      {left: "$", right: "$", display: false},
      {left: "\\(", right: "\\)", display: false}
    ],
    throwOnError: false,
    trust: false,
    strict: "ignore",
    maxSize: 20,
    maxExpand: 200
  };
  document.querySelectorAll(".math").forEach(function (element) {
    try {
      window.renderMathInElement(element, options);
    } catch (error) {
      // Leave the text as written.
    }
  });
});

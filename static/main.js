// The playground page is built in later steps; this module confirms the page loads.
document.querySelector("[data-testid=status]").textContent = "ready";
